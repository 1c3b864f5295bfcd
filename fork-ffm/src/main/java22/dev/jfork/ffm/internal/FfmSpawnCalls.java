package dev.jfork.ffm.internal;

// The ffm backend's spawn calls: PosixSpawnCalls on Libc's downcalls, so that fork-api's PosixSpawn
// (shared with jnr and jna) runs posix_spawnp for NativeSpawn#spawn; one native call or memory access
// per method.

import static dev.jfork.ffm.internal.Libc.rethrow;
import static dev.jfork.ffm.internal.Libc.scratch;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jfork.spi.PosixSpawnCalls;
import java.lang.foreign.MemorySegment;

/**
 * {@link PosixSpawnCalls} on {@link Libc}: addresses are plain {@code long}s, memory is reached
 * through a segment of exactly the bytes touched. {@link #errno()} is the errno captured by this
 * thread's last {@link #dupCloseOnExec}, the only call of these that reports through errno.
 */
@SuppressWarnings("restricted") // a segment over a native address is the point here
final class FfmSpawnCalls implements PosixSpawnCalls {
    /** Linux {@code F_DUPFD_CLOEXEC}, the same on every architecture. */
    private static final int F_DUPFD_CLOEXEC = 1030;

    @Override
    public long calloc(long size) {
        try {
            return (long) Libc.CALLOC.invokeExact(1L, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void free(long address) {
        try {
            Libc.FREE.invokeExact(address);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void putBytes(long address, byte[] bytes) {
        MemorySegment.copy(bytes, 0, at(address, bytes.length), JAVA_BYTE, 0, bytes.length);
    }

    @Override
    public void putLongs(long address, long[] values) {
        MemorySegment.copy(values, 0, at(address, 8L * values.length), JAVA_LONG, 0, values.length);
    }

    @Override
    public int getInt(long address) {
        return at(address, 4).get(JAVA_INT, 0);
    }

    @Override
    public long environ() {
        return Libc.ENVIRON.get(JAVA_LONG, 0);
    }

    @Override
    public int dupCloseOnExec(int fd, int lowest) {
        try {
            return (int) Libc.FCNTL_INT.invokeExact(scratch().capture, fd, F_DUPFD_CLOEXEC, lowest);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void close(int fd) {
        try {
            int ignored = (int) Libc.CLOSE.invokeExact(scratch().capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int errno() {
        return Libc.errno(scratch().capture);
    }

    @Override
    public int fileActionsInit(long actions) {
        try {
            return (int) Libc.ACTIONS_INIT.invokeExact(actions);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fileActionsAddDup2(long actions, int fd, int newFd) {
        try {
            return (int) Libc.ACTIONS_ADDDUP2.invokeExact(actions, fd, newFd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fileActionsAddChdir(long actions, long path) {
        try {
            return (int) Libc.ACTIONS_ADDCHDIR.invokeExact(actions, path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fileActionsAddCloseFrom(long actions, int from) {
        try {
            return (int) Libc.ACTIONS_ADDCLOSEFROM.invokeExact(actions, from);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int fileActionsDestroy(long actions) {
        try {
            return (int) Libc.ACTIONS_DESTROY.invokeExact(actions);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int attrInit(long attr) {
        try {
            return (int) Libc.SPAWNATTR_INIT.invokeExact(attr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int attrSetSigDefault(long attr, long sigset) {
        try {
            return (int) Libc.SPAWNATTR_SETSIGDEFAULT.invokeExact(attr, sigset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int attrSetSigMask(long attr, long sigset) {
        try {
            return (int) Libc.SPAWNATTR_SETSIGMASK.invokeExact(attr, sigset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int attrSetFlags(long attr, short flags) {
        try {
            return (int) Libc.SPAWNATTR_SETFLAGS.invokeExact(attr, flags);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int attrDestroy(long attr) {
        try {
            return (int) Libc.SPAWNATTR_DESTROY.invokeExact(attr);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int sigemptyset(long sigset) {
        try {
            return (int) Libc.SIGEMPTYSET.invokeExact(sigset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int sigaddset(long sigset, int signal) {
        try {
            return (int) Libc.SIGADDSET.invokeExact(sigset, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int posixSpawnp(long pid, long file, long actions, long attr, long argv, long envp) {
        try {
            return (int) Libc.POSIX_SPAWNP.invokeExact(pid, file, actions, attr, argv, envp);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static MemorySegment at(long address, long size) {
        return MemorySegment.ofAddress(address).reinterpret(size);
    }
}
