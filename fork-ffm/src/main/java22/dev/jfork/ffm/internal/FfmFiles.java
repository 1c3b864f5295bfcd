package dev.jfork.ffm.internal;

// The ffm backend's descriptor and exec calls: pipe2, read, write, close, dup2, open, close_range,
// execv, execvp, each one downcall (Libc) with errno turned into an ErrnoException.

import static dev.jfork.ffm.internal.Libc.errno;
import static dev.jfork.ffm.internal.Libc.rethrow;
import static dev.jfork.ffm.internal.Libc.scratch;
import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jfork.ErrnoException;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.Platform;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.Charset;
import java.util.Objects;

/**
 * The descriptor and exec calls of {@link FfmBackend}. Data passes through the calling thread's
 * native scratch buffer ({@link Libc.Scratch#io}), at most {@link Libc#IO_CHUNK} bytes per
 * {@code read}; a {@code write} loops over chunks.
 */
final class FfmFiles {
    /** {@code O_CLOEXEC} on Linux x86_64 and aarch64. */
    private static final int O_CLOEXEC = 02000000;
    /** {@code CLOSE_RANGE_CLOEXEC} from {@code linux/close_range.h}. */
    private static final int CLOSE_RANGE_CLOEXEC = 4;
    private static final Charset CHARSET = Platform.fileNameCharset();

    private FfmFiles() {
    }

    static int[] pipe() {
        Libc.Scratch s = scratch();
        int r;
        try {
            r = (int) Libc.PIPE2.invokeExact(s.capture, s.ints, O_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("pipe2()", errno(s.capture));
        }
        return new int[] {s.ints.get(JAVA_INT, 0), s.ints.get(JAVA_INT, 4)};
    }

    static int read(int fd, byte[] buffer, int length) {
        checkLength(buffer, length);
        Libc.Scratch s = scratch();
        long n;
        try {
            n = (long) Libc.READ.invokeExact(s.capture, fd, s.io, (long) Math.min(length, Libc.IO_CHUNK));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (n < 0) {
            throw new ErrnoException("read(fd=" + fd + ")", errno(s.capture));
        }
        MemorySegment.copy(s.io, JAVA_BYTE, 0, buffer, 0, (int) n);
        return (int) n;
    }

    static int write(int fd, byte[] buffer, int length) {
        checkLength(buffer, length);
        Libc.Scratch s = scratch();
        int done = 0;
        do {
            int size = Math.min(length - done, Libc.IO_CHUNK);
            MemorySegment.copy(buffer, done, s.io, JAVA_BYTE, 0, size);
            long n;
            try {
                n = (long) Libc.WRITE.invokeExact(s.capture, fd, s.io, (long) size);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (n < 0) {
                if (done > 0) {
                    // report what was written; the error, if it persists, shows on the next call
                    return done;
                }
                throw new ErrnoException("write(fd=" + fd + ")", errno(s.capture));
            }
            done += (int) n;
            if (n < size) {
                break;
            }
        } while (done < length);
        return done;
    }

    static void close(int fd) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) Libc.CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("close(fd=" + fd + ")", errno(capture));
        }
    }

    static void dup2(int oldFd, int newFd) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) Libc.DUP2.invokeExact(capture, oldFd, newFd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("dup2(" + oldFd + ", " + newFd + ")", errno(capture));
        }
    }

    static int open(String path, int flags, int mode) {
        MemorySegment capture = scratch().capture;
        int r;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = cString(arena, path, "path");
            try {
                r = (int) Libc.OPEN.invokeExact(capture, p, flags, mode);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }
        if (r < 0) {
            throw new ErrnoException("open(" + path + ", " + OpenFlags.describe(flags) + ")", errno(capture));
        }
        return r;
    }

    static void closeOnExecFrom(int lowestFd) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) Libc.CLOSE_RANGE.invokeExact(capture, lowestFd, -1, CLOSE_RANGE_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("close_range(" + lowestFd + ", ~0U, CLOSE_RANGE_CLOEXEC)", errno(capture));
        }
    }

    static void execv(String path, String[] argv) {
        exec(Libc.EXECV, "execv", "path", path, argv);
    }

    static void execvp(String file, String[] argv) {
        exec(Libc.EXECVP, "execvp", "file", file, argv);
    }

    /** Returns only by throwing: exec returned, so it failed. */
    private static void exec(MethodHandle handle, String call, String what, String program, String[] argv) {
        MemorySegment capture = scratch().capture;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = cString(arena, program, what);
            MemorySegment args = cArgv(arena, argv);
            try {
                int ignored = (int) handle.invokeExact(capture, p, args);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            errno = errno(capture);
        }
        throw new ErrnoException(call + "(" + program + ")", errno);
    }

    private static void checkLength(byte[] buffer, int length) {
        if (length < 0 || length > buffer.length) {
            throw new IndexOutOfBoundsException("length " + length + " outside buffer of " + buffer.length);
        }
    }

    /** A NUL-terminated copy of {@code s} in the charset the JDK uses for file names and arguments. */
    private static MemorySegment cString(Arena arena, String s, String what) {
        if (s == null) {
            throw new NullPointerException(what);
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character: " + s);
        }
        byte[] bytes = s.getBytes(CHARSET);
        MemorySegment c = arena.allocate(bytes.length + 1L);
        MemorySegment.copy(bytes, 0, c, JAVA_BYTE, 0, bytes.length);
        return c;
    }

    /** A NULL-terminated {@code char *argv[]}. */
    private static MemorySegment cArgv(Arena arena, String[] argv) {
        Objects.requireNonNull(argv, "argv");
        MemorySegment array = arena.allocate(ADDRESS, argv.length + 1L);
        for (int i = 0; i < argv.length; i++) {
            array.setAtIndex(ADDRESS, i, cString(arena, argv[i], "argv[" + i + "]"));
        }
        array.setAtIndex(ADDRESS, argv.length, MemorySegment.NULL);
        return array;
    }
}
