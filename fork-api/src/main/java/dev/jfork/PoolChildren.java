package dev.jfork;

import dev.jfork.internal.call.CallProtocol;
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
    static final long FILL_RETRY_MILLIS = 100;
    /**
     * How long the filler holds a fork back while tasks are being served: a fork write-protects every
     * page of the parent and holds its memory map, so the tasks under way would wait for it.
     */
    static final long FILL_HOLD_BACK_MILLIS = 20;
    /**
     * How long no task must have been under way before the filler forks (within the hold-back): a fork
     * started as a task ends stalls the submitting thread on its way out (its next page fault waits for
     * the fork to release the memory map), which measured as a third of a small task's time.
     */
    static final long FILL_QUIET_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

    final Forker forker;
    private final ChildStarts starts;
    private final Function<Object, Object> function;
    final PoolOptions options;
    private final PreparedClasses prepared;
    final Object lock = new Object();
    /**
     * Children waiting for a task: first those that served a task and have tasks left, most recently
     * released first (so that a child runs its tasks one after another and fewer children are forked),
     * then those not yet used, oldest first; guarded by {@link #lock}.
     */
    final Deque<PooledChild> idle = new ArrayDeque<>();
    /**
     * Children that answered their last task and wait for the end of their request pipe; the filler lets
     * them go at its next quiet moment, off the submitter's path (an exiting child tears down a copy of
     * the JVM's memory map, 1.5-2 ms measured, and the scheduler put the submitter behind it on the same
     * CPU); guarded by {@link #lock}.
     */
    final List<PooledChild> spent = new ArrayList<>();
    /** Every child not yet ended, so that {@link #close()} can see them end. */
    final Set<PooledChild> live = ConcurrentHashMap.newKeySet();
    /** Counted down when the filler forks no more. */
    final CountDownLatch fillerStopped = new CountDownLatch(1);
    final LongAdder servedWarm = new LongAdder();
    final LongAdder forkedOnDemand = new LongAdder();
    final LongAdder discarded = new LongAdder();
    volatile boolean closed;
    /** Set by {@link #shutdown()}: no new submissions; those accepted still run. */
    volatile boolean shutdown;
    private volatile boolean stoppedNow; // set by shutdownNow()
    /** Submissions accepted and not yet finished (queued or running); guarded by {@link #lock}. */
    int pending;
    private volatile Thread filler; // joined by awaitTerminated
    /** Tasks being served now; guarded by {@link #lock}. */
    int inFlight;
    /** {@link System#nanoTime()} when the last task ended; guarded by {@link #lock}. */
    long lastTaskEnded = System.nanoTime() - FILL_QUIET_NANOS;
    /** The last request and answer, for new children to rehearse (see {@code PoolChildBody}). */
    private volatile byte[] lastRequest;
    private volatile byte[] lastAnswer;
    /** The filler's last failure to fork, until a fork succeeds again; guarded by {@link #lock}. */
    RuntimeException fillFailure;

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
        Thread thread = new Thread(new PoolFiller(this), VmQuiescence.POOL_THREAD_PREFIX + POOLS.incrementAndGet());
        thread.setDaemon(true);
        filler = thread;
        thread.start();
    }

    /** @return whether {@link #shutdown()} or {@link #close()} was called */
    boolean isShutdown() {
        return shutdown || closed;
    }

    /**
     * A submission is taken: counted until {@link #finish()}.
     *
     * @throws IllegalStateException when the pool is shut down or closed
     */
    void accept() {
        synchronized (lock) {
            ensureAccepting();
            pending++;
        }
    }

    void ensureAccepting() {
        ensureOpen();
        if (shutdown) {
            throw new IllegalStateException("jfork: this pool is shut down (shutdown() was called): it takes no new"
                + " submissions; those taken before still run");
        }
    }

    /** A submission taken by {@link #accept()} ran, failed or was dropped. */
    void finish() {
        synchronized (lock) {
            pending--;
            lock.notifyAll();
        }
    }

    /** No new submissions; once those taken have finished, the filler ends the waiting children. */
    void shutdown() {
        synchronized (lock) {
            shutdown = true;
            lock.notifyAll();
        }
    }

    /**
     * Stops forking, ends the waiting children and kills those running a task (SIGKILL), without waiting.
     */
    void shutdownNow() {
        stoppedNow = true;
        shutdown();
        stop();
        for (PooledChild child : new ArrayList<>(live)) {
            if (child.busy()) {
                child.process().destroyForcibly();
            }
        }
    }

    /** @return whether a task is being served now */
    boolean busy() {
        synchronized (lock) {
            return inFlight > 0;
        }
    }

    /**
     * @return whether the pool is closed (or was shut down and every submission finished), no task runs,
     *     every child is reaped and the filler has ended
     */
    boolean isTerminated() {
        Thread thread = filler;
        synchronized (lock) {
            if (!closed || pending > 0 || inFlight > 0 || !live.isEmpty()) {
                return false;
            }
        }
        return thread == null || !thread.isAlive();
    }

    /**
     * Waits until {@link #isTerminated()}, at most until {@code until} ({@link System#nanoTime()}).
     *
     * @return whether it is
     * @throws InterruptedException when interrupted
     */
    boolean awaitTerminated(long until) throws InterruptedException {
        synchronized (lock) {
            while (!closed || pending > 0 || inFlight > 0 || !live.isEmpty()) {
                long left = until - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, left);
            }
        }
        Thread thread = filler;
        if (thread != null) {
            long left = until - System.nanoTime();
            if (left > 0) {
                TimeUnit.NANOSECONDS.timedJoin(thread, left);
            }
        }
        return isTerminated();
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

    /**
     * Remembers a served request and its answer (null if it was not a value) for new children to rehearse;
     * only plain ones (JDK types, {@link CallProtocol#isPlain}): reading any other would run its classes'
     * {@code readObject} (user code) in children that never got it.
     */
    void rehearse(byte[] request, byte[] answer) {
        if (CallProtocol.isPlain(request)) {
            lastRequest = request;
        }
        if (answer != null && CallProtocol.isPlain(answer)) {
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
        synchronized (lock) {
            if (stoppedNow) {
                // shutdownNow() during the fork: the child gets no task (after close() it runs it)
                child.retire();
                ensureOpen();
            }
            child.taskGiven();
        }
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
        if (!stop()) {
            return;
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
                interrupted |= child.awaitEndOrKill(until);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Marks the pool closed and ends its waiting children (the end of their request pipes).
     *
     * @return false when it already was
     */
    boolean stop() {
        List<PooledChild> waiting;
        synchronized (lock) {
            if (closed) {
                return false;
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
        return true;
    }

    PooledChild startChild() {
        // the generation before the fork: a class prepared during it may be missing in the child
        PooledChild child = starts.startPoolChild(function, options.tasksPerChild(), prepared.generation(),
            lastRequest, lastAnswer);
        live.add(child);
        // on the reaper itself: no callback thread woken while the filler may be forking
        child.process().whenReaped(() -> {
            live.remove(child);
            // awaitTerminated waits for the last one
            synchronized (lock) {
                lock.notifyAll();
            }
        });
        return child;
    }
}
