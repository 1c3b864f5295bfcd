package dev.jfork.internal.vm;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * This process's own memory through {@code /proc/self/mem}: a read of an address that is not mapped
 * fails with an {@link IOException} instead of crashing, and a write reaches a read-only page too. Used
 * in a forked child on the child's own copy; the parent only reads (and writes the pages jfork mapped
 * for itself). Little-endian, as on x86_64 and aarch64 Linux. One per use, closed after it.
 */
final class SelfMemory implements AutoCloseable {
    private final RandomAccessFile mem;
    private final byte[] word = new byte[8];

    SelfMemory(boolean writable) throws IOException {
        mem = new RandomAccessFile("/proc/self/mem", writable ? "rw" : "r");
    }

    /** Reads {@code length} bytes at {@code address} into the start of {@code out}. */
    void read(long address, byte[] out, int length) throws IOException {
        if (address <= 0) {
            throw new IOException("address 0x" + Long.toHexString(address) + " is not one of this process");
        }
        mem.seek(address);
        mem.readFully(out, 0, length);
    }

    /** @return the 8-byte word at {@code address} */
    long readLong(long address) throws IOException {
        read(address, word, 8);
        return decode(word, 0, 8);
    }

    /** @return the 4-byte word at {@code address}, as an unsigned value */
    long readInt(long address) throws IOException {
        read(address, word, 4);
        return decode(word, 0, 4);
    }

    /** Writes {@code bytes} at {@code address}. */
    void write(long address, byte[] bytes) throws IOException {
        mem.seek(address);
        mem.write(bytes);
    }

    /** Writes {@code values} at {@code address}, 8 bytes each. */
    void writeLongs(long address, long... values) throws IOException {
        byte[] bytes = new byte[values.length * 8];
        for (int i = 0; i < values.length; i++) {
            for (int b = 0; b < 8; b++) {
                bytes[i * 8 + b] = (byte) (values[i] >>> (8 * b));
            }
        }
        write(address, bytes);
    }

    /** @return the little-endian value of {@code length} (at most 8) bytes at {@code from} */
    static long decode(byte[] bytes, int from, int length) {
        long value = 0;
        for (int i = length - 1; i >= 0; i--) {
            value = (value << 8) | (bytes[from + i] & 0xff);
        }
        return value;
    }

    @Override
    public void close() throws IOException {
        mem.close();
    }
}
