package dev.jfork;

import java.time.Duration;
import java.util.Objects;

/**
 * How a {@link ForkPool} keeps its children: how many wait ready, how many tasks each runs, what a
 * submission does when none is waiting, and each task's deadline. Immutable; each {@code with...}
 * returns a copy.
 */
public final class PoolOptions {
    /** Children kept waiting by default. */
    public static final int DEFAULT_SIZE = 2;

    /** Submissions that may wait for room by default, beyond the {@link #size()} running. */
    public static final int DEFAULT_MAX_QUEUED = 256;

    /** What {@link ForkPool#submit} does when no child is waiting. */
    public enum WhenEmpty {
        /** Fork a child for this task now, on jfork's forking thread while the submitter waits (counted in {@link ForkPool#forkedOnDemand()}). */
        FORK_ON_DEMAND,
        /** Wait for the pool's next child (at most the task's deadline). */
        WAIT
    }

    /**
     * What {@link ForkPool#submit} and {@link ForkPool#submitAsync} do when {@link #size()} tasks run and
     * {@link #maxQueued()} more submissions wait for room.
     */
    public enum WhenFull {
        /**
         * The submitting thread waits for room (interruptibly, at most the task's deadline; past it, a
         * {@link java.util.concurrent.RejectedExecutionException}). The default: the pool slows its
         * submitters down to the pace of its children.
         */
        BLOCK,
        /** The submission is refused at once with a {@link java.util.concurrent.RejectedExecutionException}. */
        REJECT
    }

    private final int size;
    private final int tasksPerChild;
    private final WhenEmpty whenEmpty;
    private final Duration deadline;
    private final int maxQueued;
    private final WhenFull whenFull;

    private PoolOptions(int size, int tasksPerChild, WhenEmpty whenEmpty, Duration deadline, int maxQueued,
                        WhenFull whenFull) {
        this.size = size;
        this.tasksPerChild = tasksPerChild;
        this.whenEmpty = whenEmpty;
        this.deadline = deadline;
        this.maxQueued = maxQueued;
        this.whenFull = whenFull;
    }

    /**
     * {@value #DEFAULT_SIZE} children waiting, one task each, {@link WhenEmpty#FORK_ON_DEMAND} when none
     * waits, up to {@value #DEFAULT_MAX_QUEUED} submissions waiting for room with {@link WhenFull#BLOCK}
     * beyond them, and the default deadline of {@link ForkOptions#defaults()} for each task.
     *
     * @return the defaults
     */
    public static PoolOptions defaults() {
        Duration deadline = ForkOptions.defaults().deadline().orElse(ForkOptions.DEFAULT_DEADLINE);
        return new PoolOptions(DEFAULT_SIZE, 1, WhenEmpty.FORK_ON_DEMAND, deadline, DEFAULT_MAX_QUEUED,
            WhenFull.BLOCK);
    }

    /**
     * A copy that keeps {@code children} waiting.
     *
     * @param children at least 1
     * @return the copy
     */
    public PoolOptions withSize(int children) {
        if (children < 1) {
            throw new IllegalArgumentException("a pool keeps at least 1 child waiting, not " + children);
        }
        return new PoolOptions(children, tasksPerChild, whenEmpty, deadline, maxQueued, whenFull);
    }

    /**
     * A copy whose children each run up to {@code tasks} tasks. With more than one, a task sees what the
     * tasks before it in the same child left behind (static fields, caches): no longer isolated.
     *
     * @param tasks at least 1
     * @return the copy
     */
    public PoolOptions withTasksPerChild(int tasks) {
        if (tasks < 1) {
            throw new IllegalArgumentException("a pool child runs at least 1 task, not " + tasks);
        }
        return new PoolOptions(size, tasks, whenEmpty, deadline, maxQueued, whenFull);
    }

    /**
     * A copy with what a submission does when no child is waiting.
     *
     * @param what fork on demand, or wait
     * @return the copy
     */
    public PoolOptions withWhenEmpty(WhenEmpty what) {
        return new PoolOptions(size, tasksPerChild, Objects.requireNonNull(what, "whenEmpty"), deadline, maxQueued,
            whenFull);
    }

    /**
     * A copy with each task's deadline, counted from its submission: a task still running then is killed
     * with SIGKILL, its child reported {@link ChildEnd.Kind#HUNG}, and the pool goes on.
     *
     * @param perTask at least 1 ms
     * @return the copy
     */
    public PoolOptions withDeadline(Duration perTask) {
        Objects.requireNonNull(perTask, "deadline");
        if (perTask.toMillis() < 1) {
            throw new IllegalArgumentException("a task's deadline must be at least 1 ms, was " + perTask);
        }
        return new PoolOptions(size, tasksPerChild, whenEmpty, perTask, maxQueued, whenFull);
    }

    /**
     * A copy in which at most {@code submissions} more wait for room while {@link #size()} tasks run
     * (submitters blocked in {@link ForkPool#submit} and {@link ForkPool#submitAsync} submissions queued,
     * together); past that, {@link #whenFull()} applies.
     *
     * @param submissions at least 0 (0: a submission finds room at once or is handled by {@link #whenFull()})
     * @return the copy
     */
    public PoolOptions withMaxQueued(int submissions) {
        if (submissions < 0) {
            throw new IllegalArgumentException("a pool queues at least 0 submissions, not " + submissions);
        }
        return new PoolOptions(size, tasksPerChild, whenEmpty, deadline, submissions, whenFull);
    }

    /**
     * A copy with what a submission does when the pool is full ({@link #size()} running, {@link #maxQueued()}
     * waiting).
     *
     * @param what block the submitter, or reject the submission
     * @return the copy
     */
    public PoolOptions withWhenFull(WhenFull what) {
        return new PoolOptions(size, tasksPerChild, whenEmpty, deadline, maxQueued,
            Objects.requireNonNull(what, "whenFull"));
    }

    /** @return how many submissions may wait for room beyond the {@link #size()} running */
    public int maxQueued() {
        return maxQueued;
    }

    /** @return what a submission does when the pool is full */
    public WhenFull whenFull() {
        return whenFull;
    }

    /** @return how many children are kept waiting */
    public int size() {
        return size;
    }

    /** @return how many tasks each child runs before it ends */
    public int tasksPerChild() {
        return tasksPerChild;
    }

    /** @return what a submission does when no child is waiting */
    public WhenEmpty whenEmpty() {
        return whenEmpty;
    }

    /** @return each task's deadline, from its submission */
    public Duration deadline() {
        return deadline;
    }

    @Override
    public String toString() {
        return "PoolOptions[size=" + size + ", tasksPerChild=" + tasksPerChild + ", whenEmpty=" + whenEmpty
            + ", deadline=" + deadline + ", maxQueued=" + maxQueued + ", whenFull=" + whenFull + "]";
    }
}
