package dev.jfork.ffm.internal;

// The ffm backend's implementation of the SPI: the process, wait and signal calls here (fork,
// _exit, waitpid, waitid, kill, alarm, sigaction, prctl), the descriptor and exec calls in FfmFiles,
// spawn through fork-api's PosixSpawn on FfmSpawnCalls. Every call is a downcall bound in Libc.

import static dev.jfork.ffm.internal.Libc.errno;
import static dev.jfork.ffm.internal.Libc.rethrow;
import static dev.jfork.ffm.internal.Libc.scratch;
import static java.lang.foreign.ValueLayout.JAVA_INT;

import dev.jfork.ErrnoException;
import dev.jfork.spi.MemoryAdvice;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.PosixSpawn;
import dev.jfork.spi.ProcessForker;
import dev.jfork.spi.ThreadStartCalls;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * The FFM backend's implementation, compiled for JDK 22: libc through {@link java.lang.foreign}
 * downcalls. Loaded by {@code dev.jfork.ffm.FfmProcessForker} only on JDK 22 or later; loading it
 * binds every symbol ({@link Libc}), so a forked child never looks one up.
 *
 * <p>It has {@link NativeSpawn} ({@code posix_spawnp}, the child entirely in libc) but not
 * {@code NativeChildPaths}: with no C of ours, a child made by a {@code fork} downcall returns into
 * Java, so it takes jfork's safe Java path (pre-warm, start handshake, watchdog) as on jnr and jna.
 */
public final class FfmBackend implements ProcessForker, NativeSpawn, MemoryAdvice {
    private static final int EINTR = 4;
    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int PR_SET_PDEATHSIG = 1;
    private static final FfmSpawnCalls SPAWN_CALLS = new FfmSpawnCalls();
    /** Calls of {@code alarm}'s downcall (on {@code abs}) made in the parent, as PreWarm's hot rounds. */
    private static final int ALARM_WARM_ROUNDS = 12_000;

    /**
     * Binds libc (done by {@link Libc}'s initialisation), makes this thread's scratch memory and the
     * downcalls of {@code getpid} and of {@code _exit}'s handle ({@link #warmUpExit}) once, and makes
     * {@code alarm}'s downcall hot on {@code abs}: a child calls it before its start handshake, once
     * in its life, and fork-api's pre-warm can call the real {@code alarm} only once.
     */
    public FfmBackend() {
        scratch();
        getpid();
        warmUpExit(0);
        for (int i = 0; i < ALARM_WARM_ROUNDS; i++) {
            intInt(Libc.ABS, i);
        }
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.empty();
    }

    @Override
    public int fork() {
        MemorySegment capture = scratch().capture;
        int pid;
        try {
            pid = (int) Libc.FORK.invokeExact(capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (pid < 0) {
            throw new ErrnoException("fork()", errno(capture));
        }
        return pid;
    }

    @Override
    public int getpid() {
        try {
            return (int) Libc.GETPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getppid() {
        try {
            return (int) Libc.GETPPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void _exit(int status) {
        voidInt(Libc.EXIT, status);
    }

    /** {@code srand(value)}: the very handle {@link #_exit} uses, on a harmless function. */
    @Override
    public void warmUpExit(int value) {
        voidInt(Libc.SRAND, value);
    }

    private static void voidInt(MemorySegment function, int value) {
        try {
            Libc.VOID_INT.invokeExact(function, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        Libc.Scratch s = scratch();
        while (true) {
            int r;
            try {
                r = (int) Libc.WAITPID.invokeExact(s.capture, pid, s.ints, options);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                if (r > 0) {
                    status[0] = s.ints.get(JAVA_INT, 0);
                }
                return r;
            }
            int errno = errno(s.capture);
            if (errno != EINTR) {
                throw new ErrnoException("waitpid(pid=" + pid + ")", errno);
            }
        }
    }

    @Override
    public void awaitExitWithoutReaping(int pid) {
        Libc.Scratch s = scratch();
        while (true) {
            int r;
            try {
                r = (int) Libc.WAITID.invokeExact(s.capture, P_PID, pid, s.siginfo, WEXITED | WNOWAIT);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                return;
            }
            int errno = errno(s.capture);
            if (errno != EINTR) {
                throw new ErrnoException("waitid(P_PID, pid=" + pid + ", WEXITED|WNOWAIT)", errno);
            }
        }
    }

    @Override
    public void kill(int pid, int signal) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) Libc.KILL.invokeExact(capture, pid, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("kill(pid=" + pid + ", sig=" + signal + ")", errno(capture));
        }
    }

    /** The downcalls with which jfork starts the VM thread again in a child, or null when not bound. */
    @Override
    public ThreadStartCalls threadStartCalls() {
        return FfmThreadCalls.INSTANCE;
    }

    @Override
    public void madvise(long address, long length, int advice) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) Libc.MADVISE.invokeExact(capture, address, length, advice);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("madvise(0x" + Long.toHexString(address) + ", " + length + ", " + advice + ")",
                errno(capture));
        }
    }

    @Override
    public int alarm(int seconds) {
        return intInt(Libc.ALARM, seconds);
    }

    private static int intInt(MemorySegment function, int value) {
        try {
            return (int) Libc.INT_INT.invokeExact(function, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;
    /** {@code struct sigaction}: {@code sa_flags} follows the handler (8 bytes) and the mask (128). */
    private static final long SA_FLAGS_OFFSET = 136;
    private static final int SA_SIGINFO = 4;

    private static long syscall4(MemorySegment capture, long number, long a, long b, long c, long d) {
        try {
            return (long) Libc.SYSCALL4.invokeExact(capture, number, a, b, c, d);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int pidfdOpen(int pid) {
        MemorySegment capture = scratch().capture;
        long fd = syscall4(capture, SYS_PIDFD_OPEN, pid, 0, 0, 0);
        if (fd < 0) {
            throw new ErrnoException("pidfd_open(pid=" + pid + ")", errno(capture));
        }
        return (int) fd;
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        MemorySegment capture = scratch().capture;
        if (syscall4(capture, SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) < 0) {
            throw new ErrnoException("pidfd_send_signal(pidfd=" + pidfd + ", sig=" + signal + ")", errno(capture));
        }
    }

    @Override
    public boolean signalIgnored(int signal) {
        MemorySegment capture = scratch().capture;
        try (java.lang.foreign.Arena arena = java.lang.foreign.Arena.ofConfined()) {
            MemorySegment old = arena.allocate(Libc.SIGACTION_SIZE, 8);
            int r;
            try {
                r = (int) Libc.SIGACTION.invokeExact(capture, signal, MemorySegment.NULL, old);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r < 0) {
                throw new ErrnoException("sigaction(sig=" + signal + ", NULL, &old)", errno(capture));
            }
            return (old.get(JAVA_INT, SA_FLAGS_OFFSET) & SA_SIGINFO) == 0
                && old.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0) == 1L;
        }
    }

    @Override
    public int poll(int fd, int events, int timeoutMillis) {
        Libc.Scratch s = scratch();
        while (true) {
            // struct pollfd {int fd; short events; short revents;}
            s.ints.set(JAVA_INT, 0, fd);
            s.ints.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 4, (short) events);
            s.ints.set(java.lang.foreign.ValueLayout.JAVA_SHORT, 6, (short) 0);
            int r;
            try {
                r = (int) Libc.POLL.invokeExact(s.capture, s.ints, 1L, timeoutMillis);
            } catch (Throwable t) {
                throw rethrow(t);
            }
            if (r >= 0) {
                return r == 0 ? 0 : s.ints.get(java.lang.foreign.ValueLayout.JAVA_SHORT, 6) & 0xffff;
            }
            int errno = errno(s.capture);
            if (errno != EINTR) {
                throw new ErrnoException("poll(fd=" + fd + ", events=" + events + ", timeout=" + timeoutMillis + ")",
                    errno);
            }
        }
    }

    @Override
    public void resetSignal(int signal) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) Libc.SIGACTION.invokeExact(capture, signal, Libc.DEFAULT_ACTION, MemorySegment.NULL);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("sigaction(sig=" + signal + ", SIG_DFL)", errno(capture));
        }
    }

    @Override
    public void setParentDeathSignal(int signal) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) Libc.PRCTL.invokeExact(capture, PR_SET_PDEATHSIG, (long) signal, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("prctl(PR_SET_PDEATHSIG, sig=" + signal + ")", errno(capture));
        }
    }

    @Override
    public int[] pipe() {
        return FfmFiles.pipe();
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        return FfmFiles.read(fd, buffer, length);
    }

    @Override
    public int write(int fd, byte[] buffer, int length) {
        return FfmFiles.write(fd, buffer, length);
    }

    @Override
    public void close(int fd) {
        FfmFiles.close(fd);
    }

    @Override
    public int open(String path, int flags, int mode) {
        return FfmFiles.open(path, flags, mode);
    }

    @Override
    public void dup2(int oldFd, int newFd) {
        FfmFiles.dup2(oldFd, newFd);
    }

    @Override
    public void closeOnExecFrom(int lowestFd) {
        FfmFiles.closeOnExecFrom(lowestFd);
    }

    @Override
    public void execv(String path, String[] argv) {
        FfmFiles.execv(path, argv);
    }

    @Override
    public void execvp(String file, String[] argv) {
        FfmFiles.execvp(file, argv);
    }

    /** libc's {@code posix_spawnp} through fork-api's {@link PosixSpawn}, as on jnr and jna. */
    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        return PosixSpawn.spawn(SPAWN_CALLS, argv, stdinFd, stdoutFd, stderrFd);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory,
                     String[] environment) {
        return PosixSpawn.spawn(SPAWN_CALLS, argv, stdinFd, stdoutFd, stderrFd, directory, environment);
    }

    @Override
    public String toString() {
        return "ffm backend (available)";
    }
}
