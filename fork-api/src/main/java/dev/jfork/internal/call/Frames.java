package dev.jfork.internal.call;

import dev.jfork.ErrnoException;
import dev.jfork.internal.io.FdOutputStream;
import dev.jfork.spi.ProcessForker;
import java.io.EOFException;
import java.io.IOException;

/**
 * Length-prefixed messages over a pipe that stays open between them: a pool child reads requests and
 * answers them on the same pair of pipes. A frame is a 4-byte big-endian length and that many bytes.
 */
public final class Frames {
    /** The largest frame accepted: 1 GiB. */
    public static final int MAX_BYTES = 1 << 30;
    private static final int EINTR = 4;

    private Frames() {
    }

    /**
     * Writes one frame.
     *
     * @param backend the backend
     * @param fd the pipe's write end
     * @param payload the message
     * @throws IOException when the pipe is broken (the reader is gone)
     */
    public static void write(ProcessForker backend, int fd, byte[] payload) throws IOException {
        byte[] frame = new byte[4 + payload.length];
        frame[0] = (byte) (payload.length >>> 24);
        frame[1] = (byte) (payload.length >>> 16);
        frame[2] = (byte) (payload.length >>> 8);
        frame[3] = (byte) payload.length;
        System.arraycopy(payload, 0, frame, 4, payload.length);
        FdOutputStream.writeFully(backend, fd, frame);
    }

    /**
     * Reads one frame.
     *
     * @param backend the backend
     * @param fd the pipe's read end
     * @return the message, or null when the pipe ended before a frame began
     * @throws IOException when it ended inside a frame, or a read failed
     */
    public static byte[] read(ProcessForker backend, int fd) throws IOException {
        byte[] header = new byte[4];
        if (!readFully(backend, fd, header, true)) {
            return null;
        }
        int length = ((header[0] & 0xff) << 24) | ((header[1] & 0xff) << 16) | ((header[2] & 0xff) << 8)
            | (header[3] & 0xff);
        if (length < 0 || length > MAX_BYTES) {
            throw new IOException("jfork: a frame of " + length + " bytes on fd " + fd + " (corrupt stream)");
        }
        byte[] payload = new byte[length];
        readFully(backend, fd, payload, false);
        return payload;
    }

    private static boolean readFully(ProcessForker backend, int fd, byte[] into, boolean endAllowed)
            throws IOException {
        int done = 0;
        while (done < into.length) {
            int n;
            try {
                // reads straight into the array when it starts at 0; a small copy otherwise
                n = done == 0 ? backend.read(fd, into, into.length) : readAt(backend, fd, into, done);
            } catch (ErrnoException e) {
                if (e.errno() == EINTR) {
                    continue;
                }
                throw new IOException(e.getMessage(), e);
            }
            if (n == 0) {
                if (done == 0 && endAllowed) {
                    return false;
                }
                throw new EOFException("jfork: fd " + fd + " ended inside a frame (" + done + " of "
                    + into.length + " bytes)");
            }
            done += n;
        }
        return true;
    }

    private static int readAt(ProcessForker backend, int fd, byte[] into, int offset) {
        byte[] rest = new byte[Math.min(into.length - offset, 64 * 1024)];
        int n = backend.read(fd, rest, rest.length);
        System.arraycopy(rest, 0, into, offset, n);
        return n;
    }
}
