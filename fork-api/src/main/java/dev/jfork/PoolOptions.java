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

    /** What {@link ForkPool#submit} does when no child is waiting. */
    public enum WhenEmpty {
        /** Fork a child for this task now, in the submitting thread (counted in {@link ForkPool#forkedOnDemand()}). */
        FORK_ON_DEMAND,
        /** Wait for the pool's next child (at most the task's deadline). */
        WAIT
    }

    private final int size;
    private final int tasksPerChild;
    private final WhenEmpty whenEmpty;
    private final Duration deadline;

    private PoolOptions(int size, int tasksPerChild, WhenEmpty whenEmpty, Duration deadline) {
        this.size = size;
        this.tasksPerChild = tasksPerChild;
        this.whenEmpty = whenEmpty;
        this.deadline = deadline;
    }

    /**
     * {@value #DEFAULT_SIZE} children waiting, one task each, fork on demand when none waits, and the
     * default deadline of {@link ForkOptions#defaults()} for each task.
     *
     * @return the defaults
     */
    public static PoolOptions defaults() {
        Duration deadline = ForkOptions.defaults().deadline().orElse(ForkOptions.DEFAULT_DEADLINE);
        return new PoolOptions(DEFAULT_SIZE, 1, WhenEmpty.FORK_ON_DEMAND, deadline);
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
        return new PoolOptions(children, tasksPerChild, whenEmpty, deadline);
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
        return new PoolOptions(size, tasks, whenEmpty, deadline);
    }

    /**
     * A copy with what a submission does when no child is waiting.
     *
     * @param what fork on demand, or wait
     * @return the copy
     */
    public PoolOptions withWhenEmpty(WhenEmpty what) {
        return new PoolOptions(size, tasksPerChild, Objects.requireNonNull(what, "whenEmpty"), deadline);
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
        return new PoolOptions(size, tasksPerChild, whenEmpty, perTask);
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
            + ", deadline=" + deadline + "]";
    }
}
