package dev.jfork.internal.launch;

import dev.jfork.Signals;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How {@link ForkLauncher} forks again a child that did not start: how many times, how long each fork
 * waits for the VM's threads to be idle, the pause between attempts, and the counts of children forked
 * again. The public constants are re-exported by {@code Forker}.
 */
public final class StartAttempts {
    /** System property: how long, in milliseconds, a new child has to send its start byte. */
    public static final String HANDSHAKE_PROPERTY = "fork.handshake.millis";
    /** Default for {@value #HANDSHAKE_PROPERTY}. */
    public static final long DEFAULT_HANDSHAKE_MILLIS = 2000;
    /**
     * How many children are forked, at most, for one task whose children hang before they start.
     * Under heavy allocation a GC safepoint is often in flight at the fork, and such failures come in
     * runs: measured, three in a row did happen.
     */
    public static final int START_ATTEMPTS = 8;
    /**
     * How many times, at most, a child forked while one of the JVM's threads ran is killed before its
     * go and forked again; after that the next one goes ahead (the wait for an idle instant comes
     * first each time).
     */
    static final int BUSY_FORK_RETRIES = 4;
    /**
     * How many children in a row may find the VM's chunk-pool lock held at their fork and be forked again
     * at once ({@link dev.jfork.internal.vm.InheritedLocks}); the next goes ahead without looking.
     */
    static final int LOCK_HELD_RETRIES = 4;
    /** The longest last look for an idle instant, once one was seen before the fork instant's lock was taken. */
    static final Duration LAST_QUIET_WAIT = Duration.ofMillis(10);
    /**
     * The longest wait for an idle instant before a first fork; each fork made again after a child hung
     * before its start waits twice as long as the one before, up to {@link #LONGEST_QUIET_WAIT}. A wait
     * that runs out forks anyway, and a thread of the VM that stays busy for long (a compilation that
     * takes seconds, as under emulation) can hold a lock at each of those forks: 8 children in a row
     * within 4 s were seen deadlocked before their start on an arm64 JDK 25 under qemu.
     */
    private static final Duration QUIET_WAIT = Duration.ofMillis(200);
    private static final Duration LONGEST_QUIET_WAIT = Duration.ofMillis(3200);
    private static final AtomicLong RESTARTS = new AtomicLong();
    private static final AtomicLong LOCK_HELD_RESTARTS = new AtomicLong();

    private StartAttempts() {
    }

    /** @return {@value #HANDSHAKE_PROPERTY}, or its default */
    static long handshakeMillis() {
        return Long.getLong(HANDSHAKE_PROPERTY, DEFAULT_HANDSHAKE_MILLIS);
    }

    /** @return how many children, in this JVM, were killed and forked again before their task began */
    public static long restarts() {
        return RESTARTS.get();
    }

    /** @return how many of {@link #restarts()} found the VM's chunk-pool lock held at their fork */
    public static long restartsForHeldLock() {
        return LOCK_HELD_RESTARTS.get();
    }

    /** Counts a child killed, or ended unstarted, and forked again. */
    static void countRestart() {
        RESTARTS.incrementAndGet();
    }

    /** Counts a child that ended unstarted because the VM's chunk-pool lock was held at its fork. */
    static void countLockHeldRestart() {
        RESTARTS.incrementAndGet();
        LOCK_HELD_RESTARTS.incrementAndGet();
    }

    /**
     * @param attempt 1 for a first fork, then one more for each child that hung before its start
     * @return how long that fork waits, at most, for the VM's threads to be idle
     */
    static Duration quietWait(int attempt) {
        int doublings = Math.min(Math.max(attempt, 1) - 1, 16);
        Duration wait = QUIET_WAIT.multipliedBy(1L << doublings);
        return wait.compareTo(LONGEST_QUIET_WAIT) > 0 ? LONGEST_QUIET_WAIT : wait;
    }

    /** A short, growing, jittered pause, so that the next fork does not land in the same GC storm. */
    static void pauseBeforeRetry(int attempt) {
        long millis = 5L * attempt + ThreadLocalRandom.current().nextLong(10);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while forking again after a child hung before it started", e);
        }
    }

    /**
     * Kills and reaps a child that has not been given its go, closes the parent's ends of its pipes, and
     * counts it as forked again.
     *
     * @param backend the unguarded backend
     * @param pid the child
     * @param pidfd its pidfd, or -1
     * @param stdio its standard streams
     * @param handshakeFd the read end of its start byte's pipe
     * @param goFd the write end of its go byte's pipe
     */
    static void discardUnstarted(ProcessForker backend, int pid, int pidfd, ChildStdio stdio, int handshakeFd,
                                 int goFd) {
        try {
            ChildPidfd.signal(backend, pid, pidfd, Signals.SIGKILL);
        } finally {
            OwnedFds.closeQuietly(backend, goFd);
            OwnedFds.closeQuietly(backend, handshakeFd);
            stdio.closeParentEnds();
            ChildPidfd.reap(backend, pid, pidfd);
            countRestart();
        }
    }
}
