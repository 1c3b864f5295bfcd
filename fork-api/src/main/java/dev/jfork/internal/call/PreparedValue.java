package dev.jfork.internal.call;

import dev.jfork.ErrnoException;
import dev.jfork.spi.ProcessForker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;

/**
 * A {@code call} result's serialisation, made ready in the parent before the fork: the buffer, the
 * {@link ObjectOutputStream} with its block buffers and handle tables, and the stream header. The
 * child only writes its value into them and sends the bytes from the buffer as they are, so it
 * allocates almost nothing. Measured with gdb: a child that built its own {@code ObjectOutputStream}
 * needed a new heap region for its 1 KB block buffer and hung on the heap lock
 * ({@code G1CollectedHeap::attempt_allocation_slow}) that an allocating parent thread held at the fork.
 */
public final class PreparedValue {
    /** The buffer's first size: a result that needs more grows it, in the child. */
    public static final int INITIAL_BYTES = 4096;

    private final Buffer bytes = new Buffer();
    private final ObjectOutputStream out;

    public PreparedValue() {
        bytes.write(CallProtocol.VALUE);
        try {
            out = new ObjectOutputStream(bytes);
        } catch (IOException impossible) {
            throw new IllegalStateException("an ObjectOutputStream on memory failed: " + impossible, impossible);
        }
    }

    /**
     * In the child: serialises {@code value} into the buffer; a plain one ({@link CallProtocol#PLAIN}:
     * null, a boxed primitive, a string, a byte array) replaces the stream with its few bytes.
     *
     * @param value a {@link java.io.Serializable} value, or null
     * @throws IOException when the value cannot be serialised; nothing was sent
     */
    public void serialize(Object value) throws IOException {
        if (CallProtocol.isPlainValue(value)) {
            bytes.reset();
            CallProtocol.writePlain(value, bytes);
            return;
        }
        out.writeObject(value);
        out.flush();
    }

    /**
     * In the child: writes the tagged message to {@code fd}.
     *
     * @throws IOException when the write failed
     */
    public void sendTo(ProcessForker backend, int fd) throws IOException {
        bytes.writeTo(backend, fd);
    }

    /** @return a copy of the message as {@link #sendTo} would send it now */
    byte[] message() {
        return bytes.toByteArray();
    }

    /** A byte buffer that writes itself from offset 0, with no copy, as the SPI's write wants. */
    private static final class Buffer extends ByteArrayOutputStream {
        private static final int EINTR = 4;

        Buffer() {
            super(INITIAL_BYTES);
        }

        void writeTo(ProcessForker backend, int fd) throws IOException {
            while (count > 0) {
                int n;
                try {
                    n = backend.write(fd, buf, count);
                } catch (ErrnoException e) {
                    if (e.errno() == EINTR) {
                        continue;
                    }
                    throw new IOException(e.getMessage(), e);
                }
                // a partial write: what is left moves to the front, in place
                System.arraycopy(buf, n, buf, 0, count - n);
                count -= n;
            }
        }
    }
}
