package dev.jfork.internal.io;

import dev.jfork.ErrnoException;
import dev.jfork.spi.ProcessForker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.Objects;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The parent's end of a child's stdout or stderr, as {@code java.lang.Process} has it: when the child
 * has ended, what is already in the pipe is taken into memory (without waiting: {@code poll} with no
 * timeout) and the descriptor is closed, so a caller that never closes the stream leaks nothing and a
 * read after {@code waitFor()} returns that output and then the end of file at once, even while a
 * grandchild still holds the pipe (what it writes later is lost, as with {@code Process}). At most
 * {@value #DRAIN_LIMIT} bytes are taken: a grandchild that keeps writing fills no heap, and the pipe
 * then stays open, what is beyond the limit readable from the stream, until the stream is read to its
 * end or closed. Nothing here blocks a thread of
 * jfork's: while a reader of the stream is inside a read, the end is taken by that reader when its read
 * returns.
 */
public final class ChildOutputPipe extends InputStream {
    /** The most taken into memory at a child's end: the largest pipe buffer Linux gives by default. */
    static final int DRAIN_LIMIT = 1 << 20;
    private static final int READY = ProcessForker.POLLIN | ProcessForker.POLLHUP | ProcessForker.POLLERR
        | ProcessForker.POLLNVAL;

    private final FdInputStream pipe;
    private final ReentrantLock lock = new ReentrantLock();
    /** What was taken at the child's end, read before the pipe (if still open); null before. */
    private byte[] rest;
    private int restPos;
    private boolean pipeOpen = true;
    private boolean closed;
    /** The child has ended and its end was taken. */
    private boolean ended;
    /** The child ended while a reader was inside a read: that reader takes the end. */
    private volatile boolean endPending;

    /** @param pipe the read end, owned from now on by this stream */
    public ChildOutputPipe(FdInputStream pipe) {
        this.pipe = pipe;
    }

    /** Called once the child has ended: takes what is there and closes the descriptor; never blocks. */
    public void childEnded() {
        endPending = true;
        if (lock.tryLock()) {
            try {
                takeEnd();
            } finally {
                lock.unlock();
            }
        }
        // else a reader holds the lock: it sees endPending when its read returns
    }

    /** Under {@link #lock}: what is already in the pipe, up to the limit, without waiting. */
    private void takeEnd() {
        if (!endPending) {
            return;
        }
        endPending = false;
        ended = true;
        if (closed || !pipeOpen) {
            return;
        }
        ProcessForker backend = pipe.backend();
        ByteArrayOutputStream taken = new ByteArrayOutputStream();
        if (rest != null) {
            taken.write(rest, restPos, rest.length - restPos);
        }
        byte[] chunk = new byte[8192];
        boolean end = false;
        try {
            while (taken.size() < DRAIN_LIMIT) {
                if ((backend.poll(pipe.fd(), ProcessForker.POLLIN, 0) & READY) == 0) {
                    // nothing there now, and a grandchild still holds the write end: what it writes later is lost
                    end = true;
                    break;
                }
                // ready, so this read does not wait
                int n = pipe.read(chunk, 0, Math.min(chunk.length, DRAIN_LIMIT - taken.size()));
                if (n < 0) {
                    end = true;
                    break;
                }
                taken.write(chunk, 0, n);
            }
        } catch (UnsupportedOperationException noPoll) {
            // a backend without poll: nothing is taken, the pipe stays readable and is closed with the stream
            return;
        } catch (IOException | ErrnoException e) {
            end = true;
        }
        rest = taken.toByteArray();
        restPos = 0;
        if (end) {
            pipeOpen = false;
            try {
                pipe.close();
            } catch (IOException ignored) {
                // the descriptor is released either way
            }
        }
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, b.length);
        lock.lock();
        try {
            if (closed) {
                throw new IOException("Stream closed");
            }
            takeEnd();
            if (len == 0) {
                return 0;
            }
            if (rest != null && restPos < rest.length) {
                int n = Math.min(len, rest.length - restPos);
                System.arraycopy(rest, restPos, b, off, n);
                restPos += n;
                return n;
            }
            if (!pipeOpen) {
                return -1;
            }
            int n = pipe.read(b, off, len);
            if (n < 0 && ended) {
                // past the bound at the child's end, and now read to its end: released here
                pipeOpen = false;
                pipe.close();
            }
            // the child may have ended meanwhile; the next read finds what was left
            takeEnd();
            return n;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public int available() {
        lock.lock();
        try {
            return rest == null ? 0 : rest.length - restPos;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() throws IOException {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                rest = null;
                if (pipeOpen) {
                    pipeOpen = false;
                    pipe.close();
                }
            }
        } finally {
            lock.unlock();
        }
    }
}
