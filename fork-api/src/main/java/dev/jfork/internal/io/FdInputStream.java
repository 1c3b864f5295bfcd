package dev.jfork.internal.io;

import dev.jfork.ErrnoException;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.InputStream;

/** A stream over a raw file descriptor, read with the backend's {@code read}. */
public final class FdInputStream extends InputStream {
    private static final int EINTR = 4;

    private final ProcessForker backend;
    private final int fd;
    private final byte[] chunk = new byte[8192];
    private volatile boolean closed;
    private boolean eof;

    public FdInputStream(ProcessForker backend, int fd) {
        this.backend = backend;
        this.fd = fd;
    }

    /** @return the backend this stream reads with */
    ProcessForker backend() {
        return backend;
    }

    /** @return the descriptor this stream reads */
    int fd() {
        return fd;
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
            throw new IOException("stream on fd " + fd + " is closed");
        }
        if (len == 0) {
            return 0;
        }
        if (eof) {
            return -1;
        }
        while (true) {
            int n;
            try {
                n = backend.read(fd, chunk, Math.min(len, chunk.length));
            } catch (ErrnoException e) {
                if (e.errno() == EINTR) {
                    continue;
                }
                throw new IOException(e.getMessage(), e);
            }
            if (n == 0) {
                eof = true;
                return -1;
            }
            System.arraycopy(chunk, 0, b, off, n);
            return n;
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            try {
                OwnedFds.close(backend, fd);
            } catch (ErrnoException e) {
                throw new IOException(e.getMessage(), e);
            }
        }
    }

    /**
     * Reads {@code fd} to its end, then closes it.
     *
     * @param backend the backend
     * @param fd the descriptor, owned from now on by this call
     * @return every byte read
     * @throws IOException when a read fails
     */
    public static byte[] readAll(ProcessForker backend, int fd) throws IOException {
        try (InputStream stream = new FdInputStream(backend, fd)) {
            return stream.readAllBytes();
        }
    }
}
