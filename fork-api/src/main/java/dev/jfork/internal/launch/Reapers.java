package dev.jfork.internal.launch;

import dev.jfork.internal.vm.ThreadCheck;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * jfork's reaper threads, daemons named {@value #THREAD_NAME_PREFIX}N: each runs one job at a time, a
 * wait in native code for one child (its end, or its answer) followed by what is done with it. A job
 * does its Java work only under the fork lock ({@link ForkLauncher#whileNoFork}), and this pool hands
 * out jobs and parks and wakes its threads under that lock too. So outside the lock a reaper is either
 * blocked in a native wait, parked, or in the few compiled instructions between waking and taking the
 * lock: it cannot hold a VM lock at a fork, and a fork is not discarded because a reaper woke during it
 * (see {@code VmQuiescence}). A thread that starts or ends during a fork still makes it discarded.
 */
public final class Reapers {
    /** Prefix of the reaper threads' names (at most 15 characters in {@code /proc}). */
    public static final String THREAD_NAME_PREFIX = ThreadCheck.THREAD_NAME_PREFIX + "reaper-";
    private static final long IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);
    private static final AtomicInteger COUNT = new AtomicInteger();
    /** Jobs not yet taken; guarded by the fork lock. */
    private static final Deque<Runnable> JOBS = new ArrayDeque<>();
    /** Threads parked for want of a job; guarded by the fork lock. */
    private static final Deque<Thread> IDLE = new ArrayDeque<>();

    private Reapers() {
    }

    /**
     * Runs {@code job} on a reaper thread: a parked one, or a new one. The job waits in native code and
     * then does its work under {@link ForkLauncher#whileNoFork}.
     *
     * @param job the job
     */
    public static void execute(Runnable job) {
        ForkLauncher.whileNoFork(() -> {
            JOBS.addLast(job);
            Thread idle = IDLE.pollLast();
            if (idle != null) {
                LockSupport.unpark(idle);
                return;
            }
            Thread reaper = new Thread(Reapers::work, THREAD_NAME_PREFIX + COUNT.incrementAndGet());
            reaper.setDaemon(true);
            reaper.start();
        });
    }

    private static void work() {
        Thread me = Thread.currentThread();
        long idleSince = System.nanoTime();
        Runnable[] job = new Runnable[1];
        boolean[] stop = new boolean[1];
        while (true) {
            long since = idleSince;
            ForkLauncher.whileNoFork(() -> {
                job[0] = JOBS.pollFirst();
                if (job[0] != null) {
                    IDLE.remove(me);
                } else if (System.nanoTime() - since >= IDLE_NANOS) {
                    // ended under the lock; the end itself, should it overlap a fork, discards that fork
                    IDLE.remove(me);
                    stop[0] = true;
                } else if (!IDLE.contains(me)) {
                    IDLE.addLast(me);
                }
            });
            if (stop[0]) {
                return;
            }
            if (job[0] == null) {
                LockSupport.parkNanos(Reapers.class, IDLE_NANOS);
                continue;
            }
            try {
                job[0].run();
            } catch (Throwable t) {
                // a job completes its own future with its failure; nothing may end this thread
            }
            job[0] = null;
            idleSince = System.nanoTime();
        }
    }
}
