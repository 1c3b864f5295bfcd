package dev.jfork.internal.launch;

import dev.jfork.ChildFailureException;
import dev.jfork.internal.vm.ThreadCheck;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * The one thread, {@value #THREAD_NAME}, that forks every child that runs Java for the safe layer
 * ({@code fork}, {@code call}, {@code callAsync}, a pool's children). A child's parent-death signal
 * ({@code PR_SET_PDEATHSIG}, SIGKILL) follows the <em>thread</em> that forked it, not the process: forked by
 * a user's thread that then ends (a {@code callAsync} from a short-lived thread, an executor shut down,
 * {@code CompletableFuture.supplyAsync}), a child was killed before its task returned. This thread is a
 * daemon that never ends, parked between forks, so a child lives until its task ends or the parent
 * process dies. The caller waits for its fork, interruptibly ({@link #run}), or not at all
 * ({@link #submit}). Work runs with the caller's context class loader, and a fork asked for on this
 * thread itself (a fork hook that forks) runs at once. The caller flushes {@code System.out} and
 * {@code System.err} before it hands its fork over; this thread never takes their locks, which the caller
 * may hold while it waits.
 *
 * <p>In the child, the task runs on this thread's copy: a lock the caller held at the fork is held for ever
 * there (as any other thread's), its thread-locals are not seen, and its name is {@value #THREAD_NAME}.
 *
 * <p>It also bounds the live children of {@code fork}, {@code call} and {@code callAsync}
 * ({@value #MAX_CHILDREN_PROPERTY}): a caller takes a slot before its fork, waiting
 * (interruptibly) while all are taken, and the slot is given back when that child is reaped.
 */
public final class ForkThread {
    /** System property: how many children of fork, call and callAsync may live at once (Forker re-exports it). */
    public static final String MAX_CHILDREN_PROPERTY = "fork.maxChildren";
    /** Default for {@value #MAX_CHILDREN_PROPERTY}. */
    public static final int DEFAULT_MAX_CHILDREN = 64;
    /** The name of the forking thread. */
    public static final String THREAD_NAME = ThreadCheck.THREAD_NAME_PREFIX + "forker";
    private static final int QUEUED = 0;
    private static final int RUNNING = 1;
    private static final int DONE = 2;
    private static final int ABANDONED = 3;
    private static final LinkedBlockingQueue<Job<?>> JOBS = new LinkedBlockingQueue<>();
    private static volatile Thread thread;
    /** The thread waiting for the fork under way, if one waits: not "another thread running" at it. */
    private static volatile Thread requester;

    private ForkThread() {
    }

    /** The slots, made at the first fork: a bad property is reported by {@link #maxChildren()} before. */
    private static final class Slots {
        static final Semaphore SLOTS = new Semaphore(maxChildren(), true);
    }

    /**
     * @return the live children allowed, from {@value #MAX_CHILDREN_PROPERTY}
     * @throws IllegalArgumentException when the property is not a whole, positive number
     */
    public static int maxChildren() {
        String value = System.getProperty(MAX_CHILDREN_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_MAX_CHILDREN;
        }
        try {
            int max = Integer.parseInt(value.strip());
            if (max > 0) {
                return max;
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + MAX_CHILDREN_PROPERTY + "=" + value
            + " is not a whole, positive number of children (e.g. -D" + MAX_CHILDREN_PROPERTY + "=16)");
    }

    /**
     * Takes a slot for one more live child, waiting while {@value #MAX_CHILDREN_PROPERTY} children
     * live; give it back with {@link #releaseSlot()} once the child is reaped, or its fork failed.
     *
     * @param what what is forked, for the message
     * @throws ChildFailureException when interrupted while waiting (the interrupt status is kept; no child,
     *     so its pid is -1), as a wait for a child that is interrupted
     */
    public static void acquireSlot(String what) {
        try {
            Slots.SLOTS.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ChildFailureException("jfork: interrupted while " + what + " waited for one of the "
                + maxChildren() + " children allowed at once (-D" + MAX_CHILDREN_PROPERTY + ") to end;"
                + " nothing was forked", -1, null, e);
        }
    }

    /** Gives back a slot taken with {@link #acquireSlot}. */
    public static void releaseSlot() {
        Slots.SLOTS.release();
    }

    /** @return the thread waiting for the fork under way on the forking thread, or null */
    public static Thread requester() {
        return requester;
    }

    /**
     * Runs {@code work} on the forking thread and waits for it.
     *
     * @param work the fork and what is done with its child in the parent; short besides the fork
     * @param ifAbandoned what to do with the result when the caller stopped waiting (interrupted)
     *     after the work began: it ends the child
     * @param ifSkipped what to do when the caller stopped waiting before the work began (it never runs)
     * @param <T> the result
     * @return what {@code work} returned
     * @throws IllegalStateException when interrupted while waiting; the interrupt status is kept
     */
    public static <T> T run(Supplier<T> work, Consumer<? super T> ifAbandoned, Runnable ifSkipped) {
        if (Thread.currentThread() == thread) {
            return work.get();
        }
        Job<T> job = new Job<>(work, Thread.currentThread(), ifAbandoned, ifSkipped, null);
        enqueue(job);
        return job.await();
    }

    /**
     * Runs {@code work} on the forking thread later, without waiting.
     *
     * @param work the fork
     * @param done told the result or the failure, on the forking thread: it must be short and run
     *     nothing of the user's
     * @param <T> the result
     */
    public static <T> void submit(Supplier<T> work, BiConsumer<? super T, Throwable> done) {
        if (Thread.currentThread() == thread) {
            Job<T> job = new Job<>(work, null, null, null, done);
            job.runHere();
            return;
        }
        enqueue(new Job<>(work, null, null, null, done));
    }

    /** @return whether the calling thread is the forking thread */
    static boolean isForkingThread() {
        Thread forker = thread;
        return forker != null && Thread.currentThread() == forker;
    }

    private static void enqueue(Job<?> job) {
        // flushed here, by the caller: it may hold their locks (synchronized (System.out) around a fork), and
        // the forking thread would wait for them for ever
        System.out.flush();
        System.err.flush();
        Thread forker = thread;
        if (forker == null) {
            synchronized (ForkThread.class) {
                forker = thread;
                if (forker == null) {
                    forker = new Thread(ForkThread::work, THREAD_NAME);
                    forker.setDaemon(true);
                    forker.start();
                    thread = forker;
                }
            }
        }
        JOBS.add(job);
    }

    private static void work() {
        while (true) {
            Job<?> job;
            try {
                job = JOBS.take();
            } catch (InterruptedException e) {
                // nobody but jfork may end this thread: its children would die with it
                continue;
            }
            job.runHere();
        }
    }

    /** One piece of work for the forking thread. */
    private static final class Job<T> {
        private final Supplier<T> work;
        private final Thread waiter;
        private final Consumer<? super T> ifAbandoned;
        private final Runnable ifSkipped;
        private final BiConsumer<? super T, Throwable> done;
        private final ClassLoader loader = Thread.currentThread().getContextClassLoader();
        private final AtomicInteger state = new AtomicInteger(QUEUED);
        private T result;
        private Throwable failure;

        Job(Supplier<T> work, Thread waiter, Consumer<? super T> ifAbandoned, Runnable ifSkipped,
            BiConsumer<? super T, Throwable> done) {
            this.work = work;
            this.waiter = waiter;
            this.ifAbandoned = ifAbandoned;
            this.ifSkipped = ifSkipped;
            this.done = done;
        }

        void runHere() {
            if (!state.compareAndSet(QUEUED, RUNNING)) {
                return;
            }
            Thread me = Thread.currentThread();
            ClassLoader own = me.getContextClassLoader();
            me.setContextClassLoader(loader);
            requester = waiter;
            T value = null;
            Throwable failed = null;
            try {
                value = work.get();
            } catch (Throwable t) {
                failed = t;
            } finally {
                requester = null;
                me.setContextClassLoader(own);
                // an interrupt meant for the work is not kept for the next one
                Thread.interrupted();
            }
            result = value;
            failure = failed;
            if (state.compareAndSet(RUNNING, DONE)) {
                if (waiter != null) {
                    LockSupport.unpark(waiter);
                }
                if (done != null) {
                    try {
                        done.accept(value, failed);
                    } catch (Throwable ignored) {
                        // done completes a future; nothing may end this thread
                    }
                }
            } else if (value != null && ifAbandoned != null) {
                try {
                    ifAbandoned.accept(value);
                } catch (Throwable ignored) {
                    // the child is ended as well as can be; nothing may end this thread
                }
            }
        }

        T await() {
            boolean interrupted = false;
            try {
                while (state.get() != DONE) {
                    if (Thread.interrupted()) {
                        interrupted = true;
                        if (state.compareAndSet(QUEUED, ABANDONED)) {
                            if (ifSkipped != null) {
                                ifSkipped.run();
                            }
                            throw interruptedWhileWaiting(false);
                        }
                        if (state.compareAndSet(RUNNING, ABANDONED)) {
                            throw interruptedWhileWaiting(true);
                        }
                        // done meanwhile: its result is taken
                        continue;
                    }
                    LockSupport.park(this);
                }
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            if (failure instanceof RuntimeException) {
                throw (RuntimeException) failure;
            }
            if (failure instanceof Error) {
                throw (Error) failure;
            }
            if (failure != null) {
                throw new IllegalStateException("jfork: the fork failed: " + failure, failure);
            }
            return result;
        }

        /** As an interrupted wait for a child: a {@code ChildFailureException}, with no child to name (pid -1). */
        private static ChildFailureException interruptedWhileWaiting(boolean begun) {
            return new ChildFailureException("jfork: interrupted while waiting for a fork; "
                + (begun ? "the child, if one was forked, is killed" : "nothing was forked"), -1, null,
                new InterruptedException());
        }
    }
}
