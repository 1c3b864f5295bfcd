package dev.jfork;

import dev.jfork.internal.vm.VmQuiescence;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A {@link ForkPool}'s bound: at most {@link PoolOptions#size()} tasks run at once (each in a child of
 * its own, while the pool keeps up to as many more children waiting); a submission beyond that waits for
 * a running task to end, at most its deadline. {@link ForkPool#submitAsync} submissions queue in
 * submission order and are run by at most {@code size} threads of the pool, which end when idle. At most
 * {@link PoolOptions#maxQueued()} submissions wait for room beside those running
 * ({@link PoolOptions#whenFull()} says what a submission past that does).
 */
final class PoolSlots {
    private static final AtomicInteger SUBMITTERS = new AtomicInteger();
    private static final long IDLE_SUBMITTER_SECONDS = 1;

    private final Semaphore running;
    /** Submissions taken and not finished, running or waiting for room: at most size + maxQueued. */
    private final Semaphore admitted;
    private final PoolOptions options;
    private final ThreadPoolExecutor submitters;
    /** The submitter threads started and not yet seen ended, joined by {@link #awaitTermination}. */
    private final java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();

    PoolSlots(PoolOptions options) {
        this.options = options;
        int size = options.size();
        running = new Semaphore(size, true);
        admitted = new Semaphore(size + options.maxQueued(), true);
        AtomicInteger count = new AtomicInteger();
        int pool = SUBMITTERS.incrementAndGet();
        submitters = new ThreadPoolExecutor(size, size, IDLE_SUBMITTER_SECONDS, TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(), task -> {
                // named like the pool's own threads: a submitter waits for its child like any caller
                Thread t = new Thread(task, VmQuiescence.POOL_THREAD_PREFIX + pool + "-submitter-"
                    + count.incrementAndGet());
                t.setDaemon(true);
                threads.removeIf(old -> !old.isAlive());
                threads.add(t);
                return t;
            });
        submitters.allowCoreThreadTimeOut(true);
    }

    /**
     * Waits for room to run one task.
     *
     * @param deadline the task's deadline, the longest wait
     * @throws ChildFailureException when no task ended within it, or when interrupted (the interrupt
     *     status is kept)
     */
    void acquire(Duration deadline) {
        try {
            if (!running.tryAcquire(deadline.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new ChildFailureException("jfork: the pool ran " + permits() + " tasks (its size) for all of"
                    + " the task's deadline of " + deadline.toMillis() + " ms, so this one never started: submit"
                    + " fewer at once, or make the pool larger (PoolOptions.withSize)", -1, null, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChildFailureException("jfork: interrupted while waiting for room in the pool; no child ran the"
                + " task", -1, null, e);
        }
    }

    void release() {
        running.release();
    }

    /**
     * Takes a place among the submissions running or waiting for room; give it back with {@link #leave()}.
     *
     * @throws RejectedExecutionException when the pool is full and {@link PoolOptions.WhenFull#REJECT}, or
     *     {@link PoolOptions.WhenFull#BLOCK} waited the task's deadline for room
     * @throws ChildFailureException when interrupted while it waited (the interrupt status is kept)
     */
    void admit() {
        if (admitted.tryAcquire()) {
            return;
        }
        String full = "jfork: the pool is full: " + options.size() + " tasks run (PoolOptions.withSize) and "
            + options.maxQueued() + " more wait for room (PoolOptions.withMaxQueued)";
        if (options.whenFull() == PoolOptions.WhenFull.REJECT) {
            throw new RejectedExecutionException(full + ", and PoolOptions.WhenFull.REJECT refuses this submission:"
                + " submit fewer at once, or make the queue longer");
        }
        Duration deadline = options.deadline();
        try {
            if (!admitted.tryAcquire(deadline.toNanos(), TimeUnit.NANOSECONDS)) {
                throw new RejectedExecutionException(full + " for all of the task's deadline of "
                    + deadline.toMillis() + " ms, so this submission was refused: submit fewer at once, or make the"
                    + " pool or its queue larger");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChildFailureException("jfork: interrupted while waiting for room in the pool's queue; no child"
                + " ran the task", -1, null, e);
        }
    }

    /** Gives back the place taken by {@link #admit()}. */
    void leave() {
        admitted.release();
    }

    private int permits() {
        return submitters.getMaximumPoolSize();
    }

    /** Runs {@code submission} on a thread of the pool, after those submitted before it. */
    void execute(Runnable submission) {
        submitters.execute(submission);
    }

    /** The submitter threads end once the queued submissions are run. */
    void shutdown() {
        submitters.shutdown();
    }

    /**
     * Drops the queued submissions and interrupts the submitter threads.
     *
     * @return the submissions dropped, never run
     */
    List<Runnable> shutdownNow() {
        return submitters.shutdownNow();
    }

    boolean isTerminated() {
        return submitters.isTerminated() && threads.stream().noneMatch(Thread::isAlive);
    }

    /** @return whether every submitter thread ended by {@code until} ({@link System#nanoTime()}) */
    boolean awaitTermination(long until) throws InterruptedException {
        if (!submitters.awaitTermination(Math.max(0, until - System.nanoTime()), TimeUnit.NANOSECONDS)) {
            return false;
        }
        // the executor terminates just before its last thread leaves its run method
        for (Thread t : threads) {
            long left = until - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(t, left);
            }
        }
        return isTerminated();
    }
}
