package dev.jfork.internal.io;

import dev.jfork.ErrnoException;
import dev.jfork.internal.launch.ForkSafeLock;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.ProcessForker;
import java.util.Arrays;

/**
 * The descriptors jfork owns in this process (the parent's ends of its children's pipes, their start
 * and go pipes, {@code call} result pipes), so that every Java child closes those of the others: a
 * child forked later must not hold the write end of an earlier child's stdin, or of a concurrent
 * {@code call}'s result pipe. Pipes are made and closed here, under one lock that the fork also
 * takes, so a child's copy of the set is exactly what was open at its fork.
 *
 * <p>A descriptor is closed here once; closing it again, or closing a number this class never
 * handed out, does nothing, so a stale owner cannot close a number that was reused meanwhile by
 * someone else's file.
 */
public final class OwnedFds {
    /** Taken around pipe creation, closing, and the fork itself; a child may release it. */
    public static final ForkSafeLock LOCK = new ForkSafeLock();
    private static long[] open = new long[4];

    private OwnedFds() {
    }

    /**
     * {@code pipe2(O_CLOEXEC)}, both ends owned by jfork from now on.
     *
     * @param backend the backend
     * @return {@code {readEnd, writeEnd}}
     */
    public static int[] pipe(ProcessForker backend) {
        LOCK.lock();
        try {
            int[] p = backend.pipe();
            mark(p[0]);
            mark(p[1]);
            return p;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * {@code open(path, flags | O_CLOEXEC, mode)}, the descriptor owned by jfork from now on (a child
     * forked meanwhile closes it, as it closes the other children's pipes).
     *
     * @param backend the backend
     * @param path the file
     * @param flags {@link OpenFlags} without {@code O_CLOEXEC}
     * @param mode the permissions of a file created
     * @return the descriptor
     * @throws ErrnoException when the file cannot be opened, naming it
     */
    public static int open(ProcessForker backend, String path, int flags, int mode) {
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("a file name cannot contain a NUL character: " + path);
        }
        // opened outside the lock: open(2) blocks on a FIFO until its other end opens, and on a stalled
        // mount, and every fork, pipe and close of the JVM takes this lock. A child forked before the
        // mark does not close the new descriptor, but it is O_CLOEXEC: an exec drops it, and a Java
        // child only holds a file (not one of jfork's pipes) open a little longer
        int fd = backend.open(path, flags | OpenFlags.O_CLOEXEC, mode);
        LOCK.lock();
        try {
            mark(fd);
            return fd;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Owns a descriptor made elsewhere (a child's pidfd), the caller holding {@link #LOCK}: made under
     * the same lock hold, no child forked meanwhile can miss it.
     *
     * @param fd the descriptor
     */
    public static void markUnderLock(int fd) {
        mark(fd);
    }

    /**
     * Closes {@code fd} if jfork owns it and it is still open; otherwise does nothing.
     *
     * @param backend the backend
     * @param fd the descriptor
     * @throws ErrnoException when {@code close} fails
     */
    public static void close(ProcessForker backend, int fd) {
        LOCK.lock();
        try {
            if (!isOpen(fd)) {
                return;
            }
            clear(fd);
            backend.close(fd);
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * Like {@link #close}, ignoring a failure.
     *
     * @param backend the backend
     * @param fd the descriptor
     */
    public static void closeQuietly(ProcessForker backend, int fd) {
        try {
            close(backend, fd);
        } catch (ErrnoException ignored) {
            // the descriptor is gone either way
        }
    }

    /**
     * Whether jfork owns {@code fd} and has not closed it.
     *
     * @param fd the descriptor
     * @return true when open and owned
     */
    public static boolean isOpen(int fd) {
        LOCK.lock();
        try {
            int word = fd >>> 6;
            return fd >= 0 && word < open.length && (open[word] & (1L << (fd & 63))) != 0;
        } finally {
            LOCK.unlock();
        }
    }

    /**
     * The set as it is now, a bit per descriptor. Read it under {@link #LOCK}, right before the fork:
     * the child's copy of this array is then the set at its fork.
     *
     * @return the live array (not a copy)
     */
    public static long[] openSetUnderLock() {
        return open;
    }

    /**
     * In a child: closes every descriptor of {@code set} that is not in {@code keep}. Allocates nothing.
     *
     * @param backend the backend
     * @param set a set from {@link #openSetUnderLock()}, or an empty array
     * @param keep descriptors this child goes on using
     */
    public static void closeAllBut(ProcessForker backend, long[] set, int[] keep) {
        for (int word = 0; word < set.length; word++) {
            long bits = set[word];
            while (bits != 0) {
                int bit = Long.numberOfTrailingZeros(bits);
                bits &= bits - 1;
                int fd = (word << 6) + bit;
                if (!contains(keep, fd)) {
                    try {
                        backend.close(fd);
                    } catch (ErrnoException ignored) {
                        // not open in this process
                    }
                }
            }
        }
    }

    private static boolean contains(int[] fds, int fd) {
        for (int i = 0; i < fds.length; i++) {
            if (fds[i] == fd) {
                return true;
            }
        }
        return false;
    }

    private static void mark(int fd) {
        int word = fd >>> 6;
        if (word >= open.length) {
            open = Arrays.copyOf(open, Math.max(word + 1, open.length * 2));
        }
        open[word] |= 1L << (fd & 63);
    }

    private static void clear(int fd) {
        int word = fd >>> 6;
        if (word < open.length) {
            open[word] &= ~(1L << (fd & 63));
        }
    }
}
