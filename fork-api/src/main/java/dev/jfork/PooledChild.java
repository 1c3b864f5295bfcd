package dev.jfork;

import dev.jfork.internal.io.OwnedFds;
import dev.jfork.spi.ProcessForker;

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

    /** Its task is answered. */
    synchronized void taskDone() {
        busy = false;
    }

    /** @return whether a task was given to it and is not yet answered */
    synchronized boolean busy() {
        return busy && !retired;
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
}
