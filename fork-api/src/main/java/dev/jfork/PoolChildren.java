package dev.jfork;

import dev.jfork.internal.call.PreparedClasses;
import dev.jfork.internal.vm.VmQuiescence;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The children of one {@link ForkPool}: those waiting for a task, the filler thread that forks them at
 * quiet moments, handing one out to a submission (or forking one on demand), taking it back after its
 * task, and ending them all at {@link #close()}.
 */
final class PoolChildren {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** How long {@link #close()} waits for its waiting children to end before it kills them. */
    static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final long FILL_RETRY_MILLIS = 100;
    /**
     * How long the filler holds a fork back while tasks are being served: a fork write-protects every
     * page of the parent and holds its memory map, so the tasks under way would wait for it.
     */
    private static final long FILL_HOLD_BACK_MILLIS = 20;
    /**
     * How long no task must have been under way before the filler forks (within the hold-back): a fork
     * started as a task ends stalls the submitting thread on its way out (its next page fault waits for
     * the fork to release the memory map), which measured as a third of a small task's time.
     */
    private static final long FILL_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    private final Forker forker;
    private final ChildStarts starts;
    private final Function<Object, Object> function;
    private final PoolOptions options;
    private final PreparedClasses prepared;
    private final Object lock = new Object();
    /**
     * Children waiting for a task: first those that served a task and have tasks left, most recently
     * released first (so that a child runs its tasks one after another and fewer children are forked),
     * then those not yet used, oldest first; guarded by {@link #lock}.
     */
    private final Deque<PooledChild> idle = new ArrayDeque<>();
    /**
     * Children that answered their last task and wait for the end of their request pipe; the filler lets
     * them go at its next quiet moment, off the submitter's path (an exiting child tears down a copy of
     * the JVM's memory map, 1.5-2 ms measured, and the scheduler put the submitter behind it on the same
     * CPU); guarded by {@link #lock}.
     */
    private final List<PooledChild> spent = new ArrayList<>();
    /** Every child not yet ended, so that {@link #close()} can see them end. */
    private final Set<PooledChild> live = ConcurrentHashMap.newKeySet();
    /** Counted down when the filler forks no more. */
    private final CountDownLatch fillerStopped = new CountDownLatch(1);
    final LongAdder servedWarm = new LongAdder();
    final LongAdder forkedOnDemand = new LongAdder();
    final LongAdder discarded = new LongAdder();
    private volatile boolean closed;
    /** Tasks being served now; guarded by {@link #lock}. */
    private int inFlight;
    /** {@link System#nanoTime()} when the last task ended; guarded by {@link #lock}. */
    private long lastTaskEnded = System.nanoTime() - FILL_QUIET_NANOS;
    /** The last request and answer, for new children to rehearse (see {@code PoolChildBody}). */
    private volatile byte[] lastRequest;
    private volatile byte[] lastAnswer;
    /** The filler's last failure to fork, until a fork succeeds again; guarded by {@link #lock}. */
    private RuntimeException fillFailure;

    PoolChildren(Forker forker, ChildStarts starts, Function<Object, Object> function, PoolOptions options,
                 PreparedClasses prepared) {
        this.forker = forker;
        this.starts = starts;
        this.function = function;
        this.options = options;
        this.prepared = prepared;
    }

    /** Starts the filler. */
    void startFilling() {
        Thread filler = new Thread(this::fillThenStay, VmQuiescence.POOL_THREAD_PREFIX + POOLS.incrementAndGet());
        filler.setDaemon(true);
        filler.start();
    }

    boolean isClosed() {
        return closed;
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("jfork: this pool is closed");
        }
    }

    /** A task begins: the filler holds its forks back a little while tasks are under way. */
    void taskStarted() {
        synchronized (lock) {
            inFlight++;
        }
    }

    void taskEnded() {
        synchronized (lock) {
            inFlight--;
            lastTaskEnded = System.nanoTime();
            lock.notifyAll();
        }
    }

    /** Remembers a served request and its answer (null if it was not a value) for new children to rehearse. */
    void rehearse(byte[] request, byte[] answer) {
        lastRequest = request;
        if (answer != null) {
            lastAnswer = answer;
        }
    }

    int waiting() {
        synchronized (lock) {
            return idle.size();
        }
    }

    boolean awaitReady(Duration timeout) throws InterruptedException {
        long until = System.nanoTime() + timeout.toNanos();
        synchronized (lock) {
            while (idle.size() < options.size()) {
                ensureOpen();
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
            }
            return true;
        }
    }

    /** A waiting child forked after every class seen so far was prepared; or a new one. */
    PooledChild take() {
        long until = System.nanoTime() + options.deadline().toNanos();
        synchronized (lock) {
            while (true) {
                ensureOpen();
                long generation = prepared.generation();
                PooledChild child;
                while ((child = idle.pollFirst()) != null) {
                    if (child.generation() >= generation && child.process().isAlive()) {
                        servedWarm.increment();
                        child.taskGiven();
                        // the filler makes the next one
                        lock.notifyAll();
                        return child;
                    }
                    discarded.increment();
                    child.retire();
                }
                lock.notifyAll();
                if (options.whenEmpty() == PoolOptions.WhenEmpty.FORK_ON_DEMAND) {
                    break;
                }
                if (fillFailure != null) {
                    throw new ChildFailureException("jfork: the pool cannot fork a child: " + fillFailure.getMessage(),
                        -1, null, fillFailure);
                }
                long left = until - System.nanoTime();
                if (left <= 0) {
                    throw new ChildFailureException("jfork: no pool child was ready within the task's deadline of "
                        + options.deadline().toMillis() + " ms", -1, null, null);
                }
                try {
                    lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new ChildFailureException("jfork: interrupted while waiting for a pool child", -1, null, e);
                }
            }
        }
        forkedOnDemand.increment();
        PooledChild child = startChild();
        child.taskGiven();
        return child;
    }

    /** Back to the waiting children when it may run more tasks; otherwise it is let end. */
    void release(PooledChild child) {
        synchronized (lock) {
            if (!closed && child.generation() >= prepared.generation() && child.process().isAlive()) {
                if (child.hasTasksLeft()) {
                    idle.addFirst(child);
                } else {
                    spent.add(child);
                }
                lock.notifyAll();
                return;
            }
        }
        child.retire();
    }

    /**
     * Stops forking, ends every waiting child and waits for them to be reaped; a child whose task runs
     * is left to finish (its deadline bounds it) and ends after it.
     */
    void close() {
        List<PooledChild> waiting;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            waiting = new ArrayList<>(idle);
            waiting.addAll(spent);
            idle.clear();
            spent.clear();
            lock.notifyAll();
        }
        for (PooledChild child : waiting) {
            child.retire();
        }
        boolean interrupted = false;
        try {
            // a fork under way finishes, and its child is retired by the filler
            fillerStopped.await(Forker.DEFAULT_HANDSHAKE_MILLIS * Forker.START_ATTEMPTS + CLOSE_WAIT.toMillis(),
                TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            interrupted = true;
        }
        long until = System.nanoTime() + CLOSE_WAIT.toNanos();
        for (PooledChild child : new ArrayList<>(live)) {
            if (!child.busy()) {
                child.retire();
                interrupted |= awaitEndOrKill(child, until);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** @return whether the wait was interrupted */
    static boolean awaitEndOrKill(PooledChild child, long until) {
        ForkedProcess process = child.process();
        try {
            long left = Math.max(0, until - System.nanoTime());
            if (!process.waitFor(left, TimeUnit.NANOSECONDS)) {
                process.destroyForcibly();
                process.waitFor(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
            return false;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            return true;
        }
    }

    /**
     * The filler's life. Its children get SIGKILL when it ends (the parent-death signal follows the
     * thread that forked), so once the pool is closed it stays until no task is running.
     */
    private void fillThenStay() {
        try {
            fill();
        } finally {
            fillerStopped.countDown();
            synchronized (lock) {
                while (inFlight > 0) {
                    try {
                        lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }
    }

    /**
     * The filler: keeps {@link PoolOptions#size()} children waiting, forking at idle moments, and lets
     * the children that answered their last task go at those moments too.
     */
    private void fill() {
        try {
            forker.warmUp();
        } catch (RuntimeException | Error e) {
            noteFillFailure(e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e));
        }
        while (true) {
            List<PooledChild> letGo;
            boolean fork = true;
            synchronized (lock) {
                try {
                    while (!closed && idle.size() >= options.size() && spent.isEmpty()) {
                        lock.wait();
                    }
                    long holdUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FILL_HOLD_BACK_MILLIS);
                    while (!closed && !idle.isEmpty()) {
                        long now = System.nanoTime();
                        long quietAt = inFlight > 0 ? holdUntil : lastTaskEnded + FILL_QUIET_NANOS;
                        long until = Math.min(holdUntil, quietAt);
                        if (until - now <= 0) {
                            break;
                        }
                        TimeUnit.NANOSECONDS.timedWait(lock, until - now);
                    }
                } catch (InterruptedException e) {
                    // jfork's own thread: nobody interrupts it but to end it, and close() does that
                    return;
                }
                if (closed) {
                    return;
                }
                letGo = spent.isEmpty() ? List.of() : new ArrayList<>(spent);
                spent.clear();
                if (idle.size() >= options.size()) {
                    fork = false;
                }
            }
            for (PooledChild done : letGo) {
                done.retire();
            }
            if (!fork) {
                continue;
            }
            PooledChild child;
            try {
                child = startChild();
            } catch (RuntimeException | Error e) {
                noteFillFailure(e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e));
                try {
                    Thread.sleep(FILL_RETRY_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            synchronized (lock) {
                fillFailure = null;
                if (!closed) {
                    idle.addLast(child);
                    lock.notifyAll();
                    continue;
                }
            }
            child.retire();
            return;
        }
    }

    private void noteFillFailure(RuntimeException e) {
        synchronized (lock) {
            fillFailure = e;
            lock.notifyAll();
        }
    }

    private PooledChild startChild() {
        // the generation before the fork: a class prepared during it may be missing in the child
        PooledChild child = starts.startPoolChild(function, options.tasksPerChild(), prepared.generation(),
            lastRequest, lastAnswer);
        live.add(child);
        // on the reaper itself: no callback thread woken while the filler may be forking
        child.process().whenReaped(() -> live.remove(child));
        return child;
    }
}
