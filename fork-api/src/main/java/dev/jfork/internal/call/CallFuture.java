package dev.jfork.internal.call;

import dev.jfork.ChildEnd;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.launch.ChildWatch;
import dev.jfork.internal.launch.ForkLauncher;
import dev.jfork.internal.launch.Reapers;
import dev.jfork.spi.ProcessForker;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A {@code call}'s future. A reaper reads the child's answer and reaps the child; the answer is decoded
 * (its {@code readObject}, {@code readResolve} and exception constructors run) outside every lock of
 * jfork's and off the reaper: on the caller's own thread for {@code Forker.call} ({@link #awaitResult}),
 * on a callback thread for {@code callAsync}, where the user's continuations run too. Cancelled, or
 * completed by anyone but jfork ({@code complete}, {@code orTimeout}, {@code completeOnTimeout}, ...),
 * it ends its child with SIGKILL.
 *
 * @param <T> the result type
 */
public final class CallFuture<T> extends CompletableFuture<T> {
    /** Null until the fork, made on jfork's forking thread, has started it ({@link #attach}). */
    private volatile Process child;

    private final boolean decodeOnCaller;

    private final TaskLoaders loaders;

    /** What the reaper got: the answer, the end, a failure to read or reap; decoded elsewhere. */
    private final CompletableFuture<Answer> answer = new CompletableFuture<>();

    private record Answer(byte[] message, ChildEnd end, Throwable failure, Function<ChildEnd, String> describe) {
    }

    /**
     * @param child the child that runs the task (jfork's {@code ForkedProcess})
     * @param decodeOnCaller true when nobody but a thread waiting in {@link #awaitResult} sees this future
     *     ({@code Forker.call}): that thread decodes the answer; false for {@code callAsync}, whose answer
     *     is decoded, and continuations run, on a callback thread
     * @param loaders the task's class loaders, which resolve its result's and exception's classes
     */
    public CallFuture(Process child, boolean decodeOnCaller, TaskLoaders loaders) {
        this.child = child;
        this.decodeOnCaller = decodeOnCaller;
        this.loaders = loaders;
    }

    /**
     * A future whose child is forked later ({@link #attach}): {@code callAsync} returns it before its fork.
     *
     * @param decodeOnCaller as for {@link #CallFuture(Process, boolean, TaskLoaders)}
     * @param loaders the task's class loaders
     */
    public CallFuture(boolean decodeOnCaller, TaskLoaders loaders) {
        this(null, decodeOnCaller, loaders);
    }

    /**
     * Gives this future the child that was forked for it; a future already done (cancelled, or completed
     * from outside before its fork was made) ends that child at once.
     *
     * @param started the child, started
     */
    public void attach(Process started) {
        child = started;
        if (isDone()) {
            endChild();
        }
    }

    /** @return the child that runs the task; null before its fork */
    public Process child() {
        return child;
    }

    /**
     * Reads the child's answer from {@code resultFd} to its end (closing it), waits for the child's
     * end, and hands both on to be decoded.
     *
     * @param backend the backend
     * @param resultFd the read end of the result pipe, owned from now on
     * @param reap waits for the child's end and reaps it, on this reader's thread
     * @param describe how the child's end is told in a failure's message
     */
    public void completeFrom(ProcessForker backend, int resultFd, Callable<ChildEnd> reap,
                             Function<ChildEnd, String> describe) {
        Reapers.execute(() -> {
            byte[] message = null;
            Throwable readFailure = null;
            try {
                message = FdInputStream.readAll(backend, resultFd);
            } catch (Throwable t) {
                readFailure = t;
            }
            Throwable failed = readFailure;
            // the rest is Java work, done while no fork is being made (see Reapers)
            ForkLauncher.whileNoFork(() -> {
                if (failed != null) {
                    // the child is killed, and reaped below, so no failure leaves a zombie behind
                    child.destroyForcibly();
                }
            });
            ChildEnd end = null;
            Throwable failure = failed;
            try {
                // waits in native code, then reaps while no fork is being made
                end = reap.call();
            } catch (Throwable t) {
                failure = failure == null ? t : failure;
            }
            Answer got = new Answer(message, end, failure, describe);
            // only jfork's bookkeeping under the lock: no user code, nothing decoded
            ForkLauncher.whileNoFork(() -> {
                if (decodeOnCaller) {
                    answer.complete(got);
                } else {
                    ChildWatch.CALLBACKS.execute(() -> settle(got));
                }
            });
        });
    }

    /**
     * For {@code Forker.call}: waits for the child's answer and decodes it on this thread.
     *
     * @return the result
     * @throws InterruptedException when interrupted while waiting; nothing was decoded
     * @throws ExecutionException with the failure
     */
    public T awaitResult() throws InterruptedException, ExecutionException {
        settle(answer.get());
        return get();
    }

    /** Decodes the answer (user code runs here) and completes this future, unless someone did already. */
    private void settle(Answer got) {
        if (isDone()) {
            // completed from outside, or cancelled: nobody reads the result
            return;
        }
        T value = null;
        Throwable failure = got.failure();
        if (failure == null) {
            try {
                value = CallResults.<T>decode(got.message(), got.end(), child.pid(), got.describe().apply(got.end()),
                    loaders);
            } catch (Throwable t) {
                failure = t;
            }
        }
        if (failure == null) {
            super.complete(value);
        } else {
            super.completeExceptionally(failure);
        }
    }

    /** The future was completed by someone else than jfork: the child's result is not wanted. */
    private void endChild() {
        Process forked = child;
        if (forked != null && forked.isAlive()) {
            // else not forked yet: attach ends it, or the fork is skipped
            forked.destroyForcibly();
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            endChild();
        }
        return cancelled;
    }

    /** Completed from outside (also by {@code completeOnTimeout}), the child is ended with SIGKILL. */
    @Override
    public boolean complete(T value) {
        boolean completed = super.complete(value);
        if (completed) {
            endChild();
        }
        return completed;
    }

    /** Completed from outside (also by {@code orTimeout}), the child is ended with SIGKILL. */
    @Override
    public boolean completeExceptionally(Throwable ex) {
        boolean completed = super.completeExceptionally(ex);
        if (completed) {
            endChild();
        }
        return completed;
    }

    /** Completed from outside, the child is ended with SIGKILL. */
    @Override
    public CompletableFuture<T> completeAsync(Supplier<? extends T> supplier, Executor executor) {
        if (supplier == null || executor == null) {
            throw new NullPointerException();
        }
        executor.execute(() -> {
            if (isDone()) {
                return;
            }
            try {
                complete(supplier.get());
            } catch (Throwable t) {
                completeExceptionally(t instanceof CompletionException ? t : new CompletionException(t));
            }
        });
        return this;
    }

    /** Forced from outside, the child is ended with SIGKILL. */
    @Override
    public void obtrudeValue(T value) {
        super.obtrudeValue(value);
        endChild();
    }

    /** Forced from outside, the child is ended with SIGKILL. */
    @Override
    public void obtrudeException(Throwable ex) {
        super.obtrudeException(ex);
        endChild();
    }
}
