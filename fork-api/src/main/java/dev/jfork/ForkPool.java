package dev.jfork;

import dev.jfork.internal.call.CallProtocol;
import dev.jfork.internal.call.CallResults;
import dev.jfork.internal.call.Frames;
import dev.jfork.internal.call.PreparedClasses;
import dev.jfork.internal.call.TaskLoaders;
import dev.jfork.internal.child.PoolChildBody;
import dev.jfork.internal.launch.DeadlockWatch;
import dev.jfork.internal.launch.NestedForkGuard;
import dev.jfork.internal.vm.ClassPreload;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Children forked ahead of time, each waiting to run one function on the argument it is sent: a task
 * submitted here skips the fork, which happened earlier, at a quiet moment, on the pool's own thread.
 * Made by {@link Forker#pool(Function, PoolOptions)}; safe to share between threads.
 *
 * <p>Each child runs {@link PoolOptions#tasksPerChild()} tasks (one by default: no task sees what
 * another left behind) and then ends; a thread of the pool forks the next one in the background. With
 * more than one, a child that has tasks left gets the next task before a child not yet used. The
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
 * <p>Its life is that of an {@link java.util.concurrent.ExecutorService}: {@link #shutdown()} takes no
 * new submissions and lets those taken finish, {@link #shutdownNow()} also kills the children of running
 * tasks and drops the queued ones, {@link #awaitTermination} waits until every child is reaped and every
 * thread of the pool has ended, and {@link #close()} (try-with-resources) is described there.
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
public final class ForkPool<A, R> implements AutoCloseable {
    private final ProcessForker backend;
    private final PoolOptions options;
    private final PreparedClasses prepared;
    private final PoolChildren children;
    private final PoolSlots slots;

    @SuppressWarnings("unchecked")
    ForkPool(Forker forker, ChildStarts starts, Function<? super A, ? extends R> function, PoolOptions options) {
        this.backend = starts.backend();
        this.options = options;
        // the classes its arguments, results and exceptions carry are the function's loader's
        this.prepared = new PreparedClasses(TaskLoaders.of(function));
        ClassPreload.nestOf(function);
        children = new PoolChildren(forker, starts, (Function<Object, Object>) (Function<?, ?>) function, options,
            prepared);
        slots = new PoolSlots(options);
        children.startFilling();
    }

    /**
     * Runs the pool's function on {@code argument} in a waiting child, and returns its result. At most
     * {@link PoolOptions#size()} tasks run at once: beyond that, this waits for one to end (at most the
     * task's deadline; the pool keeps up to {@code size} more children waiting meanwhile), as one of at
     * most {@link PoolOptions#maxQueued()} submissions waiting so (past that, {@link PoolOptions#whenFull()}).
     * Blocks until the result, or the child's end, is known; at most the task's deadline.
     *
     * @param argument the argument, serialisable (or null)
     * @return the function's result
     * @throws IllegalArgumentException when the argument cannot be serialised, or carries a class the
     *     pool's function cannot load
     * @throws IllegalStateException when the pool is shut down or closed, or when called in a forked child
     * @throws RejectedExecutionException when the pool is full (see {@link PoolOptions.WhenFull})
     * @throws ChildFailureException when the function threw (the cause), the result could not be sent
     *     back, or the child was killed, hung or deadlocked; or when this thread was interrupted while it
     *     waited: the task's child is then killed, and the interrupt status is kept (as for
     *     {@link Forker#call})
     */
    public R submit(A argument) {
        // first of all: in a child, the pool's threads and reaper do not exist, and a wait would hang
        NestedForkGuard.requireParent(backend, "a pool's submit");
        admit();
        try {
            return submit(argument, null);
        } finally {
            finish();
        }
    }

    /** Takes a submission (counted until {@link #finish()}), or refuses it. */
    private void admit() {
        children.ensureAccepting();
        slots.admit();
        try {
            children.accept();
        } catch (RuntimeException shutDown) {
            slots.leave();
            throw shutDown;
        }
    }

    private void finish() {
        slots.leave();
        children.finish();
    }

    private R submit(A argument, PoolFuture<R> future) {
        children.ensureOpen();
        java.util.List<Class<?>> carried = new java.util.ArrayList<>();
        byte[] request = CallProtocol.encodeValue(argument, carried::add);
        if (!CallProtocol.isValue(request)) {
            throw new IllegalArgumentException("jfork: a pool's argument must be serialisable: "
                + CallProtocol.text(request).replace("the task's result", "the argument"));
        }
        try {
            // here, in the parent: every class it carries is made ready before a child needs it, without
            // reading the argument back (its readObject runs once, in the child that runs the task)
            prepared.prepare(carried);
        } catch (ClassNotFoundException | RuntimeException e) {
            throw new IllegalArgumentException("jfork: the pool's argument of type "
                + (argument == null ? "null" : argument.getClass().getName())
                + " carries a class the pool's function cannot load, so a child could not read it: " + e, e);
        }
        if (Thread.currentThread().isInterrupted()) {
            throw new ChildFailureException("jfork: interrupted before a pool child was given the task; no child"
                + " ran it", -1, null, new InterruptedException());
        }
        slots.acquire(options.deadline());
        children.taskStarted();
        try {
            return run(children.take(), request, future);
        } finally {
            children.taskEnded();
            slots.release();
        }
    }

    /**
     * Like {@link #submit}, on a thread of the pool; the future completes there. Submissions queue, in
     * order, for at most {@link PoolOptions#size()} such threads (no thread per submission; the queue
     * holds each waiting argument, at most {@link PoolOptions#maxQueued()} of them beside those running;
     * when it is full, this blocks or throws as {@link PoolOptions#whenFull()} says). {@code cancel(true)}
     * kills the child running the task (a submission cancelled before it has one runs nowhere).
     *
     * @param argument the argument
     * @return the future result; fails as {@link #submit} throws, or with a {@link CancellationException}
     *     when {@link #shutdownNow()} dropped it before it ran
     * @throws IllegalStateException when the pool is shut down or closed, or when called in a forked child
     * @throws RejectedExecutionException when the pool is full (see {@link PoolOptions.WhenFull})
     */
    public CompletableFuture<R> submitAsync(A argument) {
        NestedForkGuard.requireParent(backend, "a pool's submitAsync");
        admit();
        PoolSubmission<A, R> submission = new PoolSubmission<>(argument, new PoolFuture<>(), this::submit,
            this::finish);
        try {
            slots.execute(submission);
        } catch (RejectedExecutionException closing) {
            finish();
            throw new IllegalStateException("jfork: this pool is shut down or closed", closing);
        }
        return submission.future;
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
        return children.awaitReady(timeout);
    }

    /** @return how many tasks went to a child that was already waiting */
    public long servedWarm() {
        return children.servedWarm.sum();
    }

    /** @return how many tasks found no child waiting and forked one ({@link PoolOptions.WhenEmpty#FORK_ON_DEMAND}) */
    public long forkedOnDemand() {
        return children.forkedOnDemand.sum();
    }

    /**
     * How many waiting children were ended without running a task: forked before a class their task
     * needs was prepared, or found dead.
     *
     * @return the count
     */
    public long discarded() {
        return children.discarded.sum();
    }

    /** @return how many children are waiting now */
    public int waiting() {
        return children.waiting();
    }

    /** @return the options this pool was made with */
    public PoolOptions options() {
        return options;
    }

    /**
     * Takes no new submissions (they throw an {@link IllegalStateException}); those taken before, running
     * or queued, still run, on children the pool goes on forking for them. Once they have finished, the
     * pool ends its waiting children and its threads in the background. Returns at once: see
     * {@link #awaitTermination}. Calling it again does nothing.
     */
    public void shutdown() {
        children.shutdown();
        slots.shutdown();
    }

    /**
     * Takes no new submissions, drops the {@link #submitAsync} submissions that wait for room (their
     * futures fail with a {@link CancellationException}; no child saw them), kills the children of the
     * running tasks with SIGKILL (their submitters get a {@link ChildFailureException}) and ends the
     * waiting children. A {@link #submit} blocked waiting for room fails with an
     * {@link IllegalStateException}. Returns at once: {@link #awaitTermination} waits for every child to be
     * reaped.
     *
     * @return the arguments of the dropped submissions, in submission order
     */
    public List<A> shutdownNow() {
        List<Runnable> queued = slots.shutdownNow();
        children.shutdownNow();
        List<A> neverStarted = new ArrayList<>();
        for (Runnable r : queued) {
            @SuppressWarnings("unchecked")
            PoolSubmission<A, R> dropped = (PoolSubmission<A, R>) r;
            neverStarted.add(dropped.argument);
            dropped.future.completeExceptionally(new CancellationException("jfork: the pool was shut down"
                + " (shutdownNow) before this submission started; no child saw it"));
            finish();
        }
        return neverStarted;
    }

    /** @return whether {@link #shutdown()}, {@link #shutdownNow()} or {@link #close()} was called */
    public boolean isShutdown() {
        return children.isShutdown();
    }

    /**
     * @return whether the pool is shut down, every submission taken has finished, every child of the pool
     *     has been reaped and every thread of the pool has ended
     */
    public boolean isTerminated() {
        return children.isTerminated() && slots.isTerminated();
    }

    /**
     * Waits until the pool {@link #isTerminated()}: after {@link #shutdown()}, {@link #shutdownNow()} or
     * {@link #close()}, once the tasks under way have ended and every child is reaped.
     *
     * @param timeout the longest wait
     * @param unit its unit
     * @return true when terminated, false when the time ran out first
     * @throws InterruptedException when interrupted while waiting
     */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long until = System.nanoTime() + unit.toNanos(timeout);
        return children.awaitTerminated(until) && slots.awaitTermination(until) && isTerminated();
    }

    /**
     * Between {@link #shutdown()} and {@link #shutdownNow()}: takes no new submissions, stops forking, ends
     * every waiting child (each reads the end of its request pipe and exits with code 0; one that has not
     * after a few seconds is killed) and waits for them to be reaped. Tasks already running finish (as
     * after {@code shutdown}; nothing is killed), and their children end after them; {@link #submitAsync}
     * submissions still queued fail with an {@link IllegalStateException} (as after {@code shutdownNow},
     * without a list). When no task runs, it returns once the pool {@link #isTerminated()} (no child, no
     * thread of the pool left); otherwise {@link #awaitTermination} waits for the running ones.
     */
    @Override
    public void close() {
        children.close();
        slots.shutdown();
        if (!children.busy()) {
            try {
                awaitTermination(PoolChildren.CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public String toString() {
        return "ForkPool[" + options + ", waiting=" + waiting() + ", servedWarm=" + servedWarm()
            + ", forkedOnDemand=" + forkedOnDemand() + ", discarded=" + discarded()
            + (isTerminated() ? ", terminated" : children.isClosed() ? ", closed" : isShutdown() ? ", shut down" : "")
            + "]";
    }

    private R run(PooledChild child, byte[] request, PoolFuture<R> future) {
        ForkedProcess process = child.process();
        if (future != null && !future.runOn(child)) {
            child.taskDone();
            child.retire();
            throw new CancellationException("jfork: the pool submission was cancelled before its task was sent");
        }
        DeadlockWatch.Watched deadline = process.killAtDeadline(options.deadline());
        byte[] answer = null;
        try {
            child.taskSent();
            Frames.write(backend, child.requestFd(), request);
            if (!PoolWaits.awaitAnswer(backend, child.responseFd())) {
                process.destroyForcibly();
                child.retire();
                Thread.currentThread().interrupt();
                throw new ChildFailureException("jfork: interrupted while waiting for pool child " + process.pid()
                    + "; the child was killed", process.pid(), null, new InterruptedException());
            }
            answer = Frames.read(backend, child.responseFd());
            if (answer != null && answer.length > 0) {
                // the status byte: a child with too little eden left for another task says so
                if (answer[0] == PoolChildBody.LAST) {
                    child.noMoreTasks();
                }
                answer = java.util.Arrays.copyOfRange(answer, 1, answer.length);
            }
        } catch (IOException gone) {
            // the child ended before it answered (a broken pipe, or an answer cut short): its end says why
        } finally {
            DeadlockWatch.unwatch(deadline);
            child.taskDone();
            if (future != null) {
                future.ran();
            }
        }
        if (answer == null || answer.length == 0) {
            child.retire();
            return failed(child);
        }
        children.release(child);
        if (children.isClosed()) {
            // the pool was closed while this task ran: once every submission has returned, no child of
            // the pool is left, reaped or not
            if (child.awaitEndOrKill(System.nanoTime() + PoolChildren.CLOSE_WAIT.toNanos())) {
                Thread.currentThread().interrupt();
            }
        }
        children.rehearse(request, null);
        if (!CallProtocol.isValue(answer)) {
            return CallResults.decodeAnswer(answer, null, process.pid(), prepared.loaders());
        }
        try {
            @SuppressWarnings("unchecked")
            R value = (R) prepared.read(answer);
            children.rehearse(request, answer);
            return value;
        } catch (IOException | ClassNotFoundException | RuntimeException | StackOverflowError e) {
            throw new ChildFailureException("jfork: the result of pool child " + process.pid() + " could not be read: "
                + e, process.pid(), null, e);
        }
    }

    private R failed(PooledChild child) {
        ForkedProcess process = child.process();
        ChildEnd end;
        try {
            end = process.awaitEnd();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new ChildFailureException("jfork: interrupted while waiting for pool child " + process.pid()
                + "; the child was killed", process.pid(), null, e);
        }
        // a pool child waited before its task: its deadlock is timed from the task, not from its fork
        String report = end.kind() == ChildEnd.Kind.DEADLOCKED
            ? process.deadlockReport(child.sinceTaskMillis(process.deadlockedAfterMillis()), "its task began")
            : process.endReport(end, options.deadline());
        return CallResults.decode(new byte[0], end, process.pid(), report);
    }
}
