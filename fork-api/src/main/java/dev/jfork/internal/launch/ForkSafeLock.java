package dev.jfork.internal.launch;

import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

/**
 * A lock that a forked child can release. A child forked while holding a Java monitor (or a
 * {@code ReentrantLock}) releases it on its way out, and a release wakes a waiting thread: in a child
 * that thread does not exist, and waking it takes the lock of its park event, which it may have held
 * at the fork, so the child can hang there. Here waiters poll with short timed parks instead of being
 * woken: a release is one volatile write, and wakes nobody. Reentrant for its owner.
 */
public final class ForkSafeLock {
    private static final long FIRST_POLL_NANOS = 20_000;
    private static final long LONGEST_POLL_NANOS = 1_000_000;

    private final AtomicReference<Thread> owner = new AtomicReference<>();
    private int holds;

    /**
     * Takes the lock, waiting as long as it takes. Not interruptible: an interrupted thread waits as
     * long, sleeping (a park returns at once while the interrupt status is set, so it is cleared for
     * the wait), and has its interrupt status set again once it holds the lock.
     */
    public void lock() {
        Thread me = Thread.currentThread();
        if (owner.get() == me) {
            holds++;
            return;
        }
        long poll = FIRST_POLL_NANOS;
        boolean interrupted = false;
        while (!owner.compareAndSet(null, me)) {
            if (Thread.interrupted()) {
                interrupted = true;
            }
            LockSupport.parkNanos(this, poll);
            poll = Math.min(poll * 2, LONGEST_POLL_NANOS);
        }
        holds = 1;
        if (interrupted) {
            me.interrupt();
        }
    }

    /**
     * Takes the lock if it is free (or already this thread's).
     *
     * @return whether this thread now holds it
     */
    public boolean tryLock() {
        Thread me = Thread.currentThread();
        if (owner.get() == me) {
            holds++;
            return true;
        }
        if (owner.compareAndSet(null, me)) {
            holds = 1;
            return true;
        }
        return false;
    }

    /** Releases one hold; the last wakes nobody (waiters poll). */
    public void unlock() {
        if (owner.get() != Thread.currentThread()) {
            throw new IllegalMonitorStateException("jfork: this thread does not hold the lock");
        }
        if (--holds == 0) {
            owner.set(null);
        }
    }
}
