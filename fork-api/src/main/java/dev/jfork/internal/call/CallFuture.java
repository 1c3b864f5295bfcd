package dev.jfork.internal.call;

import dev.jfork.ChildEnd;
import dev.jfork.ForkedProcess;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.launch.ChildWatch;
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

    /** @param child the child that runs the task */
    public CallFuture(ForkedProcess child) {
        this.child = child;
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
        ChildWatch.REAPERS.execute(() -> {
            T value = null;
            Throwable failure = null;
            byte[] message = null;
            try {
                message = FdInputStream.readAll(backend, resultFd);
            } catch (Throwable t) {
                // the child is killed, and reaped below, so no failure leaves a zombie behind
                failure = t;
                child.destroyForcibly();
            }
            try {
                ChildEnd end = reap.call();
                if (failure == null) {
                    value = CallResults.<T>decode(message, end, child.pid(), describe.apply(end));
                }
            } catch (Throwable t) {
                failure = failure == null ? t : failure;
            }
            // the user's continuations run there, not on this reaper, which every fork waits for
            T done = value;
            Throwable failed = failure;
            ChildWatch.CALLBACKS.execute(() -> {
                if (failed == null) {
                    complete(done);
                } else {
                    completeExceptionally(failed);
                }
            });
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
