package dev.jfork.internal.io;

import java.io.IOException;
import java.io.InputStream;

/**
 * The parent's end of a child's stdout or stderr, as {@code java.lang.Process} has it: when the child
 * has ended, what is left in the pipe is read into memory and the descriptor is closed, so a caller
 * that never closes the stream leaks nothing; what was not read stays readable.
 */
public final class ChildOutputPipe extends InputStream {
    private final FdInputStream pipe;
    private byte[] rest;
    private int restPos;
    private boolean closed;

    /** @param pipe the read end, owned from now on by this stream */
    public ChildOutputPipe(FdInputStream pipe) {
        this.pipe = pipe;
    }

    /**
     * Called once the child has ended: reads what is left to end of file, then closes the descriptor.
     * It blocks only while a descendant of the child still holds the pipe's write end.
     */
    public synchronized void childEnded() {
        if (closed || rest != null) {
            return;
        }
        try {
            rest = pipe.readAllBytes();
        } catch (IOException e) {
            rest = new byte[0];
        }
        restPos = 0;
        try {
            pipe.close();
        } catch (IOException ignored) {
            // the descriptor is released either way
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        if (closed) {
            throw new IOException("Stream closed");
        }
        if (rest == null) {
            return pipe.read(b, off, len);
        }
        if (len == 0) {
            return 0;
        }
        if (restPos >= rest.length) {
            return -1;
        }
        int n = Math.min(len, rest.length - restPos);
        System.arraycopy(rest, restPos, b, off, n);
        restPos += n;
        return n;
    }

    @Override
    public synchronized int available() {
        return rest == null ? 0 : rest.length - restPos;
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            rest = null;
            pipe.close();
        }
    }
}
