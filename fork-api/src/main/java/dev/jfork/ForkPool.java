package dev.jfork;

import dev.jfork.internal.call.CallProtocol;
import dev.jfork.internal.call.CallResults;
import dev.jfork.internal.call.Frames;
import dev.jfork.internal.call.PreparedClasses;
import dev.jfork.internal.launch.ChildWatch;
import dev.jfork.internal.launch.DeadlockWatch;
import dev.jfork.internal.vm.ClassPreload;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
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
 * @param <A> the argument type
 * @param <R> the result type
 */
public final class ForkPool<A, R> implements AutoCloseable {
    private final ProcessForker backend;
    private final PoolOptions options;
    private final PreparedClasses prepared = new PreparedClasses();
    private final PoolChildren children;

    @SuppressWarnings("unchecked")
    ForkPool(Forker forker, ChildStarts starts, Function<? super A, ? extends R> function, PoolOptions options) {
        this.backend = starts.backend();
        this.options = options;
        ClassPreload.nestOf(function);
        children = new PoolChildren(forker, starts, (Function<Object, Object>) (Function<?, ?>) function, options,
            prepared);
        children.startFilling();
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
        children.ensureOpen();
        byte[] request = CallProtocol.encodeValue(argument);
        if (!CallProtocol.isValue(request)) {
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
        children.taskStarted();
        try {
            return run(children.take(), request);
        } finally {
            children.taskEnded();
        }
    }

    /**
     * Like {@link #submit}, on a thread of jfork's; the future completes there.
     *
     * @param argument the argument
     * @return the future result; fails as {@link #submit} throws
     */
    public CompletableFuture<R> submitAsync(A argument) {
        children.ensureOpen();
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
     * Stops forking, ends every waiting child (each reads the end of its request pipe and exits with code
     * 0; one that has not after a few seconds is killed) and waits for them to be reaped. Tasks already
     * running finish, and their children end after them (the pool's thread, whose children they are,
     * stays until then). Further submissions throw.
     */
    @Override
    public void close() {
        children.close();
    }

    @Override
    public String toString() {
        return "ForkPool[" + options + ", waiting=" + waiting() + ", servedWarm=" + servedWarm()
            + ", forkedOnDemand=" + forkedOnDemand() + ", discarded=" + discarded()
            + (children.isClosed() ? ", closed" : "") + "]";
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
        children.release(child);
        if (children.isClosed()) {
            // the pool was closed while this task ran: once every submission has returned, no child of
            // the pool is left, reaped or not
            if (PoolChildren.awaitEndOrKill(child, System.nanoTime() + PoolChildren.CLOSE_WAIT.toNanos())) {
                Thread.currentThread().interrupt();
            }
        }
        children.rehearse(request, null);
        if (!CallProtocol.isValue(answer)) {
            return CallResults.decodeAnswer(answer, null, process.pid());
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
        return CallResults.decode(new byte[0], end, process.pid(), process.endReport(end, options.deadline()));
    }
}
