package dev.jfork.internal.call;

import dev.jfork.ChildEnd;
import dev.jfork.ForkedProcess;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.launch.ChildWatch;
import dev.jfork.internal.launch.ForkLauncher;
import dev.jfork.internal.launch.Reapers;
import dev.jfork.spi.ProcessForker;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * A {@code call}'s future: completed from the child's answer once the child has ended, on a thread
 * that is not one of jfork's watched threads (a user's continuation runs there); cancelling it kills
 * the child.
 *
 * @param <T> the result type
 */
public final class CallFuture<T> extends CompletableFuture<T> {
    private final ForkedProcess child;

    private final boolean completeOnReaper;

    /**
     * @param child the child that runs the task
     * @param completeOnReaper true when nobody but a thread waiting in {@code get} sees this future
     *     ({@code Forker.call}): it completes on the reaper, under the fork lock, so that no callback
     *     thread of jfork's is still running when the caller forks again; false for {@code callAsync},
     *     whose continuations run on a callback thread
     */
    public CallFuture(ForkedProcess child, boolean completeOnReaper) {
        this.child = child;
        this.completeOnReaper = completeOnReaper;
    }

    /** @return the child that runs the task */
    public ForkedProcess child() {
        return child;
    }

    /**
     * Reads the child's answer from {@code resultFd} to its end (closing it), waits for the child's
     * end, and completes this future with the result or the failure.
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
            byte[] answer = message;
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
            ChildEnd ended = end;
            Throwable reapFailure = failure;
            ForkLauncher.whileNoFork(() -> finish(answer, ended, reapFailure, describe));
        });
    }

    private void finish(byte[] message, ChildEnd end, Throwable readOrReapFailure,
                        Function<ChildEnd, String> describe) {
        T value = null;
        Throwable failure = readOrReapFailure;
        if (failure == null) {
            try {
                value = CallResults.<T>decode(message, end, child.pid(), describe.apply(end));
            } catch (Throwable t) {
                failure = t;
            }
        }
        if (completeOnReaper) {
            if (failure == null) {
                complete(value);
            } else {
                completeExceptionally(failure);
            }
            return;
        }
        // the user's continuations run there, not on this reaper
        T done = value;
        Throwable failed = failure;
        ChildWatch.CALLBACKS.execute(() -> {
            if (failed == null) {
                complete(done);
            } else {
                completeExceptionally(failed);
            }
        });
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            child.destroyForcibly();
        }
        return cancelled;
    }
}
