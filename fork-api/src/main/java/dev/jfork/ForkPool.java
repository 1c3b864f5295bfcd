package dev.jfork;

import dev.jfork.internal.call.CallProtocol;
import dev.jfork.internal.call.CallResults;
import dev.jfork.internal.call.Frames;
import dev.jfork.internal.call.PreparedClasses;
import dev.jfork.internal.launch.ChildWatch;
import dev.jfork.internal.launch.DeadlockWatch;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * Children forked ahead of time, each waiting to run one function on the argument it is sent: a task
 * submitted here skips the fork, which happened earlier, at a quiet moment, on the pool's own thread.
 * Made by {@link Forker#pool(Function, PoolOptions)}; safe to share between threads.
 *
 * <p>Each child runs {@link PoolOptions#tasksPerChild()} tasks (one by default: no task sees what
 * another left behind) and then ends; a thread of the pool forks the next one in the background. The
 * argument and the result cross as serialised bytes, so both must be {@link java.io.Serializable}.
 * Deadlines, ends and errors are those of {@link Forker#call}: a task that throws fails with a
 * {@link ChildFailureException} whose cause is its exception; a task that outlives its deadline is
 * killed and its child reported {@link ChildEnd.Kind#HUNG}; a deadlocked child is found within a
 * second. The pool goes on after each.
 *
 * <p>A child holds the parent's state as of its fork, not of the submission: what the parent changed
 * since is not seen. Each class an argument or a result carries is prepared in the parent (loaded,
 * initialised, described for serialisation) the first time it is seen, and waiting children forked
 * before that are retired rather than used (counted in {@link #discarded()}), since they would have to
 * load it themselves, which can hang.
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
public final class ForkPool<A, R> implements AutoCloseable {
    private static final AtomicInteger POOLS = new AtomicInteger();
    /** How long {@link #close()} waits for its waiting children to end before it kills them. */
    private static final Duration CLOSE_WAIT = Duration.ofSeconds(5);
    private static final long FILL_RETRY_MILLIS = 100;
    /**
     * How long the filler holds a fork back while tasks are being served: a fork write-protects every
     * page of the parent and holds its memory map, so the tasks under way would wait for it.
     */
    private static final long FILL_HOLD_BACK_MILLIS = 20;

    private final Forker forker;
    private final ProcessForker backend;
    private final Function<Object, Object> function;
    private final PoolOptions options;
    private final PreparedClasses prepared = new PreparedClasses();
    private final Object lock = new Object();
    /** Children waiting for a task, most recently made last; guarded by {@link #lock}. */
    private final Deque<PooledChild> idle = new ArrayDeque<>();
    /** Every child not yet ended, so that {@link #close()} can see them end. */
    private final Set<PooledChild> live = ConcurrentHashMap.newKeySet();
    private final Thread filler;
    /** Counted down when the filler forks no more. */
    private final CountDownLatch fillerStopped = new CountDownLatch(1);
    private final LongAdder servedWarm = new LongAdder();
    private final LongAdder forkedOnDemand = new LongAdder();
    private final LongAdder discarded = new LongAdder();
    private volatile boolean closed;
    /** Tasks being served now; guarded by {@link #lock}. */
    private int inFlight;
    /** The last request and answer, for new children to rehearse (see {@code PoolChildBody}). */
    private volatile byte[] lastRequest;
    private volatile byte[] lastAnswer;
    /** The filler's last failure to fork, until a fork succeeds again; guarded by {@link #lock}. */
    private RuntimeException fillFailure;

    @SuppressWarnings("unchecked")
    ForkPool(Forker forker, Function<? super A, ? extends R> function, PoolOptions options) {
        this.forker = forker;
        this.backend = forker.backendUnguarded();
        this.function = (Function<Object, Object>) (Function<?, ?>) function;
        this.options = options;
        dev.jfork.internal.vm.ClassPreload.nestOf(function);
        filler = new Thread(this::fillThenStay, Forker.THREAD_NAME_PREFIX + "pool-" + POOLS.incrementAndGet());
        filler.setDaemon(true);
        filler.start();
    }

    /**
     * Runs the pool's function on {@code argument} in a waiting child, and returns its result. Blocks
     * until the result, or the child's end, is known; at most the task's deadline.
     *
     * @param argument the argument, serialisable (or null)
     * @return the function's result
     * @throws IllegalArgumentException when the argument cannot be serialised, or does not read back
     * @throws IllegalStateException when the pool is closed
     * @throws ChildFailureException when the function threw (the cause), the result could not be sent
     *     back, or the child was killed, hung or deadlocked
     */
    public R submit(A argument) {
        ensureOpen();
        byte[] request = CallProtocol.encodeValue(argument);
        if (request[0] != CallProtocol.VALUE) {
            throw new IllegalArgumentException("jfork: a pool's argument must be serialisable: "
                + CallProtocol.text(request).replace("the task's result", "the argument"));
        }
        try {
            // here, in the parent: every class it carries is made ready before a child needs it
            prepared.read(request);
        } catch (IOException | ClassNotFoundException | RuntimeException e) {
            throw new IllegalArgumentException("jfork: the pool's argument of type "
                + (argument == null ? "null" : argument.getClass().getName())
                + " does not read back from its serialised form, so a child could not read it either: " + e, e);
        }
        synchronized (lock) {
            inFlight++;
        }
        try {
            return run(take(), request);
        } finally {
            synchronized (lock) {
                inFlight--;
                lock.notifyAll();
            }
        }
    }

    /**
     * Like {@link #submit}, on a thread of jfork's; the future completes there.
     *
     * @param argument the argument
     * @return the future result; fails as {@link #submit} throws
     */
    public CompletableFuture<R> submitAsync(A argument) {
        ensureOpen();
        return CompletableFuture.supplyAsync(() -> submit(argument), ChildWatch.CALLBACKS);
    }

    /**
     * Waits until {@link PoolOptions#size()} children are waiting, for instance right after the pool is
     * made, so that the first submissions do not pay for a fork (in a fresh JVM the first fork also
     * warms jfork up: about a second).
     *
     * @param timeout the longest wait
     * @return true when they are, false when the time ran out
     * @throws InterruptedException when interrupted
     * @throws IllegalStateException when the pool is closed
     */
    public boolean awaitReady(Duration timeout) throws InterruptedException {
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

    /** @return how many tasks went to a child that was already waiting */
    public long servedWarm() {
        return servedWarm.sum();
    }

    /** @return how many tasks found no child waiting and forked one ({@link PoolOptions.WhenEmpty#FORK_ON_DEMAND}) */
    public long forkedOnDemand() {
        return forkedOnDemand.sum();
    }

    /**
     * How many waiting children were ended without running a task: forked before a class their task
     * needs was prepared, or found dead.
     *
     * @return the count
     */
    public long discarded() {
        return discarded.sum();
    }

    /** @return how many children are waiting now */
    public int waiting() {
        synchronized (lock) {
            return idle.size();
        }
    }

    /** @return the options this pool was made with */
    public PoolOptions options() {
        return options;
    }

    /**
     * Stops forking, ends every waiting child (each reads the end of its request pipe and exits with code
     * 0; one that has not after a few seconds is killed) and waits for them to be reaped. Tasks already
     * running finish, and their children end after them (the pool's thread, whose children they are,
     * stays until then). Further submissions throw.
     */
    @Override
    public void close() {
        List<PooledChild> waiting;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            waiting = new ArrayList<>(idle);
            idle.clear();
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
            // a running task is left to finish (its deadline bounds it); its child ends after it
            if (!child.busy()) {
                child.retire();
                interrupted |= awaitEndOrKill(child, until);
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "ForkPool[" + options + ", waiting=" + waiting() + ", servedWarm=" + servedWarm()
            + ", forkedOnDemand=" + forkedOnDemand() + ", discarded=" + discarded() + (closed ? ", closed" : "") + "]";
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("jfork: this pool is closed");
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

    /** The filler: keeps {@link PoolOptions#size()} children waiting, forking at idle moments. */
    private void fill() {
        try {
            forker.warmUp();
        } catch (RuntimeException | Error e) {
            noteFillFailure(e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e));
        }
        while (true) {
            synchronized (lock) {
                try {
                    while (!closed && idle.size() >= options.size()) {
                        lock.wait();
                    }
                    long holdUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(FILL_HOLD_BACK_MILLIS);
                    long left;
                    while (!closed && inFlight > 0 && !idle.isEmpty()
                        && (left = holdUntil - System.nanoTime()) > 0) {
                        lock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                    }
                } catch (InterruptedException e) {
                    // jfork's own thread: nobody interrupts it but to end it, and close() does that
                    return;
                }
                if (closed) {
                    return;
                }
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
        PooledChild child = forker.startPoolChild(function, options.tasksPerChild(), prepared.generation(),
            lastRequest, lastAnswer);
        live.add(child);
        child.process().onExit().whenComplete((p, e) -> live.remove(child));
        return child;
    }

    /** A waiting child forked after every class seen so far was prepared; or a new one. */
    private PooledChild take() {
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

    private R run(PooledChild child, byte[] request) {
        ForkedProcess process = child.process();
        DeadlockWatch.Watched deadline = process.killAtDeadline(options.deadline());
        byte[] answer = null;
        try {
            Frames.write(backend, child.requestFd(), request);
            answer = Frames.read(backend, child.responseFd());
        } catch (IOException gone) {
            // the child ended before it answered (a broken pipe, or an answer cut short): its end says why
        } finally {
            DeadlockWatch.unwatch(deadline);
            child.taskDone();
        }
        if (answer == null || answer.length == 0) {
            child.retire();
            return failed(process);
        }
        release(child);
        if (closed) {
            // the pool was closed while this task ran: once every submission has returned, no child of
            // the pool is left, reaped or not
            if (awaitEndOrKill(child, System.nanoTime() + CLOSE_WAIT.toNanos())) {
                Thread.currentThread().interrupt();
            }
        }
        lastRequest = request;
        if (answer[0] != CallProtocol.VALUE) {
            return CallResults.decodeAnswer(answer, null, process.pid());
        }
        try {
            @SuppressWarnings("unchecked")
            R value = (R) prepared.read(answer);
            lastAnswer = answer;
            return value;
        } catch (IOException | ClassNotFoundException | RuntimeException | StackOverflowError e) {
            throw new ChildFailureException("jfork: the result of pool child " + process.pid() + " could not be read: "
                + e, process.pid(), null, e);
        }
    }

    /** Back to the waiting children when it may run more tasks; otherwise it is let end. */
    private void release(PooledChild child) {
        synchronized (lock) {
            if (!closed && child.hasTasksLeft() && child.generation() >= prepared.generation()
                && child.process().isAlive()) {
                idle.addLast(child);
                lock.notifyAll();
                return;
            }
        }
        child.retire();
    }

    private R failed(ForkedProcess process) {
        ChildEnd end;
        try {
            end = process.awaitEnd();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ChildFailureException("jfork: interrupted while waiting for pool child " + process.pid()
                + "; the child was killed", process.pid(), null, e);
        }
        String description = end.kind() == ChildEnd.Kind.DEADLOCKED
            ? " " + process.deadlockedAfterMillis() + " ms after it started"
            : end.describe(options.deadline());
        return CallResults.decode(new byte[0], end, process.pid(), description);
    }

    /** @return whether the wait was interrupted */
    private static boolean awaitEndOrKill(PooledChild child, long until) {
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
}
