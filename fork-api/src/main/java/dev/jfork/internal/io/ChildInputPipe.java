package dev.jfork.internal.io;

import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's end of a child's stdin, as {@code java.lang.Process} has it: closed once the child has
 * ended, so a caller that never closes it leaks nothing; writing after that fails with an
 * {@link IOException}. The end never waits for a writer: one inside a write (a full pipe that a
 * grandchild holds) closes the descriptor itself when its write returns.
 */
public final class ChildInputPipe extends OutputStream {
    private final FdOutputStream pipe;
    private final ReentrantLock lock = new ReentrantLock();
    private boolean closed;
    /** The child ended while a writer was inside a write: that writer closes. */
    private volatile boolean endPending;

    /** @param pipe the write end, owned from now on by this stream */
    public ChildInputPipe(FdOutputStream pipe) {
        this.pipe = pipe;
    }

    /** Called once the child has ended: closes the descriptor, or leaves that to a writer inside a write. */
    public void childEnded() {
        endPending = true;
        if (lock.tryLock()) {
            try {
                closeIfEnded();
            } finally {
                lock.unlock();
            }
        }
    }

    private void closeIfEnded() {
        if (endPending) {
            endPending = false;
            try {
                closeLocked();
            } catch (IOException ignored) {
                // the descriptor is released either way
            }
        }
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        lock.lock();
        try {
            if (closed) {
                throw new IOException("Stream closed");
            }
            try {
                pipe.write(b, off, len);
            } finally {
                closeIfEnded();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void flush() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                pipe.flush();
            }
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            closeLocked();
        } finally {
            lock.unlock();
        }
    }

    private void closeLocked() throws IOException {
        if (!closed) {
            closed = true;
            pipe.close();
        }
    }
}
