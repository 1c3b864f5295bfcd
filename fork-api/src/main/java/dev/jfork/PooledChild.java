package dev.jfork;

import dev.jfork.internal.io.OwnedFds;
import dev.jfork.spi.ProcessForker;
import java.util.concurrent.TimeUnit;

/**
 * One child of a {@link ForkPool}: its process, the parent's ends of its request and response pipes,
 * the generation of prepared classes it was forked at, and how many tasks it may still run.
 */
final class PooledChild {
    private final ProcessForker backend;
    private final ForkedProcess process;
    private final int requestFd;
    private final int responseFd;
    private final long generation;
    /** About when it was forked (just after), and when its current task was sent to it. */
    private final long forkedNanos = System.nanoTime();
    private volatile long taskSentNanos;
    private int tasksLeft;
    private boolean busy;
    private boolean retired;

    PooledChild(ProcessForker backend, ForkedProcess process, int requestFd, int responseFd, long generation,
                int tasks) {
        this.backend = backend;
        this.process = process;
        this.requestFd = requestFd;
        this.responseFd = responseFd;
        this.generation = generation;
        this.tasksLeft = tasks;
    }

    ForkedProcess process() {
        return process;
    }

    int requestFd() {
        return requestFd;
    }

    int responseFd() {
        return responseFd;
    }

    long generation() {
        return generation;
    }

    /** Counts one task as given to it; it is busy until {@link #taskDone()} or {@link #retire()}. */
    synchronized void taskGiven() {
        tasksLeft--;
        busy = true;
    }

    /** Its task is being sent to it now: a deadlock is timed from here. */
    void taskSent() {
        taskSentNanos = System.nanoTime();
    }

    /**
     * @param afterForkMillis how long after its fork it was found deadlocked
     * @return how long after its current task was sent (0 when it was found so before)
     */
    long sinceTaskMillis(long afterForkMillis) {
        return Math.max(0, afterForkMillis - TimeUnit.NANOSECONDS.toMillis(taskSentNanos - forkedNanos));
    }

    /** Its task is answered. */
    synchronized void taskDone() {
        busy = false;
    }

    /** @return whether a task was given to it and is not yet answered */
    synchronized boolean busy() {
        return busy && !retired;
    }

    /** It said it runs no other task (too little eden left): the pool gives it none. */
    synchronized void noMoreTasks() {
        tasksLeft = 0;
    }

    synchronized boolean hasTasksLeft() {
        return tasksLeft > 0;
    }

    /**
     * Closes the parent's ends of its pipes: a waiting child reads the end of its requests and exits
     * with code 0; its reaper reaps it.
     */
    synchronized void retire() {
        if (!retired) {
            retired = true;
            OwnedFds.closeQuietly(backend, requestFd);
            OwnedFds.closeQuietly(backend, responseFd);
        }
    }

    /**
     * Waits until it ends, at most until {@code until} ({@link System#nanoTime()}), then kills it.
     *
     * @return whether the wait was interrupted
     */
    boolean awaitEndOrKill(long until) {
        try {
            long left = Math.max(0, until - System.nanoTime());
            if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                process.waitFor(PoolChildren.CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            return false;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            return true;
        }
    }
}
