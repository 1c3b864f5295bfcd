package dev.jfork.internal.io;

import dev.jfork.ErrnoException;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.OutputStream;

/**
 * An unbuffered stream over a raw file descriptor, written with the backend's {@code write}. It
 * shares no lock with any stream of the parent, which is what a forked child needs.
 */
public final class FdOutputStream extends OutputStream {
    private static final int EINTR = 4;

    private final ProcessForker backend;
    private final int fd;
    private final boolean closeFd;
    private final byte[] chunk = new byte[8192];
    private boolean closed;

    public FdOutputStream(ProcessForker backend, int fd, boolean closeFd) {
        this.backend = backend;
        this.fd = fd;
        this.closeFd = closeFd;
    }

    @Override
    public void write(int b) throws IOException {
        chunk[0] = (byte) b;
        writeChunk(1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        java.util.Objects.checkFromIndexSize(off, len, b.length);
        while (len > 0) {
            int n = Math.min(len, chunk.length);
            System.arraycopy(b, off, chunk, 0, n);
            writeChunk(n);
            off += n;
            len -= n;
        }
    }

    private void writeChunk(int length) throws IOException {
        if (closed) {
            throw new IOException("stream on fd " + fd + " is closed");
        }
        int written = 0;
        while (written < length) {
            if (written > 0) {
                System.arraycopy(chunk, written, chunk, 0, length - written);
                length -= written;
                written = 0;
            }
            try {
                written = backend.write(fd, chunk, length);
            } catch (ErrnoException e) {
                if (e.errno() != EINTR) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true;
            if (closeFd) {
                try {
                    OwnedFds.close(backend, fd);
                } catch (ErrnoException e) {
                    throw new IOException(e.getMessage(), e);
                }
            }
        }
    }

    /**
     * Writes all of {@code bytes} to {@code fd}, which stays open.
     *
     * @param backend the backend
     * @param fd the descriptor
     * @param bytes what to write
     * @throws IOException when a write fails
     */
    public static void writeFully(ProcessForker backend, int fd, byte[] bytes) throws IOException {
        try (OutputStream out = new FdOutputStream(backend, fd, false)) {
            out.write(bytes);
        }
    }
}
