package dev.jfork.internal.child;

import dev.jfork.ChildTask;
import dev.jfork.internal.call.CallProtocol;
import dev.jfork.internal.call.PreparedValue;
import dev.jfork.internal.io.FdOutputStream;
import dev.jfork.spi.ProcessForker;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * The child side of {@code Forker.call}: run the callable, send its value or exception down the pipe.
 * Made in the parent, with the value's serialisation ready ({@link PreparedValue}).
 */
public final class CallBody implements ChildTask, FailureReporter {
    private final ProcessForker backend;
    private final Callable<?> task;
    private final int resultFd;
    /** Made here, in the parent: see {@link PreparedValue}. */
    private final PreparedValue prepared = new PreparedValue();

    public CallBody(ProcessForker backend, Callable<?> task, int resultFd) {
        this.backend = backend;
        this.task = task;
        this.resultFd = resultFd;
    }

    @Override
    public int run() throws Exception {
        Object value;
        try {
            value = task.call();
        } catch (Throwable t) {
            FdOutputStream.writeFully(backend, resultFd, CallProtocol.encodeThrown(t));
            return ChildRuntime.EXIT_UNCAUGHT;
        }
        if (value == null || value instanceof Serializable) {
            Throwable failure = null;
            try {
                prepared.serialize(value);
            } catch (Throwable t) {
                // a field that is not serialisable, a writeObject that throws, a result too deep
                failure = t;
            }
            if (failure == null) {
                prepared.sendTo(backend, resultFd);
                return 0;
            }
            FdOutputStream.writeFully(backend, resultFd, CallProtocol.encodeResultFailure(value, failure));
            return ChildRuntime.EXIT_UNCAUGHT;
        }
        // not serialisable: the message that says why (it allocates, but the task is done)
        byte[] message = CallProtocol.encodeValue(value);
        FdOutputStream.writeFully(backend, resultFd, message);
        return CallProtocol.isValue(message) ? 0 : ChildRuntime.EXIT_UNCAUGHT;
    }

    @Override
    public void failedBeforeResult(Throwable failure) {
        try {
            FdOutputStream.writeFully(backend, resultFd, CallProtocol.encodeThrown(failure));
        } catch (Throwable ignored) {
            // the exit code and the stack trace on fd 2 still say it
        }
    }
}
