package dev.jfork.internal.io;

import java.io.IOException;
import java.io.OutputStream;

/**
 * The parent's end of a child's stdin, as {@code java.lang.Process} has it: closed once the child has
 * ended, so a caller that never closes it leaks nothing; writing after that fails with an
 * {@link IOException}.
 */
public final class ChildInputPipe extends OutputStream {
    private final FdOutputStream pipe;
    private boolean closed;

    /** @param pipe the write end, owned from now on by this stream */
    public ChildInputPipe(FdOutputStream pipe) {
        this.pipe = pipe;
    }

    /** Called once the child has ended: closes the descriptor. */
    public synchronized void childEnded() {
        try {
            close();
        } catch (IOException ignored) {
            // the descriptor is released either way
        }
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        pipe.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        if (closed) {
            throw new IOException("Stream closed");
        }
        pipe.write(b, off, len);
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            pipe.close();
        }
    }
}
