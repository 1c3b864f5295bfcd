package dev.jfork.internal.io;

import java.io.IOException;
import java.io.RandomAccessFile;

/**
 * Reads a small {@code /proc} file into a buffer the caller keeps, and picks fields out of it as
 * numbers, without making strings. jfork reads these files around every fork (each watched thread's
 * {@code stat} and {@code schedstat}, each child's {@code status} and {@code syscall}); read with
 * {@code Files.readString}, each read allocated about 9 KB, 2.4 MB per {@code call} in all, and every
 * page the parent writes after a fork costs a copy-on-write fault (measured: 2.5 times the page faults,
 * and a third more time per call at a 64 MB heap).
 */
public final class ProcFile {
    /** Large enough for {@code /proc/<pid>/status}, the largest file read this way. */
    public static final int BUFFER_BYTES = 4096;
    private static final ThreadLocal<byte[]> BUFFERS = ThreadLocal.withInitial(() -> new byte[BUFFER_BYTES]);

    private ProcFile() {
    }

    /** @return the calling thread's buffer, {@value #BUFFER_BYTES} bytes, for {@link #read} */
    public static byte[] buffer() {
        return BUFFERS.get();
    }

    /**
     * Reads the file from its start into {@code buffer}, at most its length.
     *
     * @param path the file
     * @param buffer where to put it
     * @return the number of bytes read
     * @throws IOException when it cannot be opened or read (the process or thread is gone, say)
     */
    public static int read(String path, byte[] buffer) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(path, "r")) {
            int total = 0;
            while (total < buffer.length) {
                int n = file.read(buffer, total, buffer.length - total);
                if (n < 0) {
                    break;
                }
                total += n;
            }
            return total;
        }
    }

    /**
     * The decimal number that starts at {@code from}.
     *
     * @param buffer the bytes
     * @param from where the digits start
     * @param end where the bytes end
     * @return the number, or -1 when there is no digit at {@code from}
     */
    public static long number(byte[] buffer, int from, int end) {
        long value = -1;
        for (int i = from; i < end; i++) {
            int digit = buffer[i] - '0';
            if (digit < 0 || digit > 9) {
                break;
            }
            value = (value < 0 ? 0 : value * 10) + digit;
        }
        return value;
    }

    /**
     * Where field {@code field} (1-based, as {@code proc(5)} counts them) of a {@code stat} file
     * starts. The second field, the command name, is skipped whole: it may hold spaces and parentheses.
     *
     * @param buffer the file's bytes
     * @param length how many there are
     * @param field the field, at least 3
     * @return its offset, or -1 when the file has fewer fields
     */
    public static int statField(byte[] buffer, int length, int field) {
        int close = -1;
        for (int i = length - 1; i >= 0; i--) {
            if (buffer[i] == ')') {
                close = i;
                break;
            }
        }
        if (close < 0 || field < 3) {
            return -1;
        }
        int at = close + 2;
        for (int f = 3; f < field; f++) {
            while (at < length && buffer[at] != ' ') {
                at++;
            }
            at++;
        }
        return at < length ? at : -1;
    }

    /**
     * Where the value of the line {@code key} (as {@code "Threads:"}) of a {@code status} file starts,
     * past its blanks.
     *
     * @param buffer the file's bytes
     * @param length how many there are
     * @param key the line's name with its colon
     * @return the offset of its value, or -1 when there is no such line
     */
    public static int statusValue(byte[] buffer, int length, String key) {
        int lineStart = 0;
        while (lineStart < length) {
            if (startsWith(buffer, lineStart, length, key)) {
                int at = lineStart + key.length();
                while (at < length && (buffer[at] == ' ' || buffer[at] == '\t')) {
                    at++;
                }
                return at;
            }
            while (lineStart < length && buffer[lineStart] != '\n') {
                lineStart++;
            }
            lineStart++;
        }
        return -1;
    }

    private static boolean startsWith(byte[] buffer, int at, int length, String key) {
        if (at + key.length() > length) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            if (buffer[at + i] != key.charAt(i)) {
                return false;
            }
        }
        return true;
    }
}
