package dev.jfork;

import dev.jfork.spi.ProcessForker;
import java.util.concurrent.Callable;

/** The child side of {@link Forker#call}: run the callable, send its value or exception down the pipe. */
final class CallBody implements ChildTask {
    private final ProcessForker backend;
    private final Callable<?> task;
    private final int resultFd;

    CallBody(ProcessForker backend, Callable<?> task, int resultFd) {
        this.backend = backend;
        this.task = task;
        this.resultFd = resultFd;
    }

    @Override
    public int run() throws Exception {
        byte[] message;
        try {
            message = CallProtocol.encodeValue(task.call());
        } catch (Throwable t) {
            message = CallProtocol.encodeThrown(t);
        }
        Forker.writeFully(backend, resultFd, message);
        return message[0] == CallProtocol.VALUE ? 0 : ForkedProcess.EXIT_UNCAUGHT;
    }
}
