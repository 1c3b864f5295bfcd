package dev.jfork;

import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.Serializable;
import java.util.concurrent.Callable;

/**
 * The child side of {@link Forker#call}: run the callable, send its value or exception down the pipe.
 * Made in the parent, with the value's serialisation ready ({@link PreparedValue}).
 */
final class CallBody implements ChildTask {
    private final ProcessForker backend;
    private final Callable<?> task;
    private final int resultFd;
    /** Made here, in the parent: see {@link PreparedValue}. */
    private final PreparedValue prepared = new PreparedValue();

    CallBody(ProcessForker backend, Callable<?> task, int resultFd) {
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
            Forker.writeFully(backend, resultFd, CallProtocol.encodeThrown(t));
            return ForkedProcess.EXIT_UNCAUGHT;
        }
        if (value == null || value instanceof Serializable) {
            boolean serialized;
            try {
                prepared.serialize(value);
                serialized = true;
            } catch (IOException notSerializable) {
                serialized = false;
            }
            if (serialized) {
                prepared.sendTo(backend, resultFd);
                return 0;
            }
        }
        // not serialisable: the message that says why (it allocates, but the task is done)
        byte[] message = CallProtocol.encodeValue(value);
        Forker.writeFully(backend, resultFd, message);
        return message[0] == CallProtocol.VALUE ? 0 : ForkedProcess.EXIT_UNCAUGHT;
    }
}
