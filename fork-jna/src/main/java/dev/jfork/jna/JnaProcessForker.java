package dev.jfork.jna;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.StringArray;
import dev.jfork.ErrnoException;
import dev.jfork.spi.MemoryAdvice;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.Platform;
import dev.jfork.spi.PosixSpawn;
import dev.jfork.spi.ProcessForker;
import dev.jfork.spi.ThreadStartCalls;
import java.util.Optional;

/**
 * The JNA backend ({@code jna}): libc through JNA direct mapping. Native calls only; {@link #spawn}
 * is {@link PosixSpawn} on the bound {@code posix_spawnp} family.
 */
public final class JnaProcessForker implements ProcessForker, NativeSpawn, MemoryAdvice {
    private static final int PR_SET_PDEATHSIG = 1;

    private static final int EINTR = 4;

    /** Cheap: nothing is loaded until the backend is first used or asked about. */
    public JnaProcessForker() {
    }

    @Override
    public String name() {
        return "jna";
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(Binding.CAUSE);
    }

    @Override
    public int fork() {
        Binding.ensure();
        // no lambda here: the child runs this line too, and must link nothing
        int pid = LibC.fork();
        if (pid < 0) {
            throw new ErrnoException("fork()", Native.getLastError());
        }
        return pid;
    }

    @Override
    public int getpid() {
        Binding.ensure();
        return LibC.getpid();
    }

    @Override
    public int getppid() {
        Binding.ensure();
        return LibC.getppid();
    }

    @Override
    public void _exit(int status) {
        Binding.ensure();
        LibC._exit(status);
    }

    @Override
    public void warmUpExit(int value) {
        Binding.ensure();
        LibC.srand(value);
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        Binding.ensure();
        while (true) {
            int r = LibC.waitpid(pid, status, options);
            if (r >= 0) {
                return r;
            }
            int errno = Native.getLastError();
            if (errno != EINTR) {
                throw new ErrnoException("waitpid(pid=" + pid + ")", errno);
            }
        }
    }

    @Override
    public void awaitExitWithoutReaping(int pid) {
        Binding.ensure();
        // native memory, not a Java array: the call can block for as long as the child lives
        try (Memory info = new Memory(LibC.SIGINFO_SIZE)) {
            while (LibC.waitid(LibC.P_PID, pid, info, LibC.WEXITED | LibC.WNOWAIT) < 0) {
                int errno = Native.getLastError();
                if (errno != EINTR) {
                    throw new ErrnoException("waitid(P_PID, pid=" + pid + ", WEXITED|WNOWAIT)", errno);
                }
            }
        }
    }

    @Override
    public void kill(int pid, int signal) {
        Binding.ensure();
        ErrnoException.check(LibC.kill(pid, signal), "kill(pid=" + pid + ", sig=" + signal + ")", Native::getLastError);
    }

    @Override
    public int[] pipe() {
        Binding.ensure();
        int[] fds = new int[2];
        ErrnoException.check(LibC.pipe2(fds, LibC.O_CLOEXEC), "pipe2()", Native::getLastError);
        return fds;
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        Binding.ensure();
        checkLength(buffer, length);
        return ErrnoException.check((int) LibC.read(fd, buffer, length), "read(fd=" + fd + ")", Native::getLastError);
    }

    @Override
    public int write(int fd, byte[] buffer, int length) {
        Binding.ensure();
        checkLength(buffer, length);
        return ErrnoException.check((int) LibC.write(fd, buffer, length), "write(fd=" + fd + ")", Native::getLastError);
    }

    @Override
    public void close(int fd) {
        Binding.ensure();
        ErrnoException.check(LibC.close(fd), "close(fd=" + fd + ")", Native::getLastError);
    }

    @Override
    public void dup2(int oldFd, int newFd) {
        Binding.ensure();
        ErrnoException.check(LibC.dup2(oldFd, newFd), "dup2(" + oldFd + ", " + newFd + ")", Native::getLastError);
    }

    @Override
    public int open(String path, int flags, int mode) {
        Binding.ensure();
        if (path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("path contains a NUL character: " + path);
        }
        return ErrnoException.check(LibC.open(path, flags, mode), "open(" + path + ", " + OpenFlags.describe(flags) + ")",
            Native::getLastError);
    }

    @Override
    public void execv(String path, String[] argv) {
        Binding.ensure();
        LibC.execv(path, new StringArray(argv));
        throw new ErrnoException("execv(" + path + ")", Native.getLastError());
    }

    @Override
    public void execvp(String file, String[] argv) {
        Binding.ensure();
        LibC.execvp(file, new StringArray(argv));
        throw new ErrnoException("execvp(" + file + ")", Native.getLastError());
    }

    @Override
    public int alarm(int seconds) {
        Binding.ensure();
        return LibC.alarm(seconds);
    }

    @Override
    public void resetSignal(int signal) {
        Binding.ensure();
        if (LibC.sigaction(signal, LibC.DEFAULT_ACTION, null) < 0) {
            throw new ErrnoException("sigaction(sig=" + signal + ", SIG_DFL)", Native.getLastError());
        }
    }

    @Override
    public int pidfdOpen(int pid) {
        Binding.ensure();
        long fd = LibC.syscall(LibC.SYS_PIDFD_OPEN, pid, 0, 0, 0);
        if (fd < 0) {
            throw new ErrnoException("pidfd_open(pid=" + pid + ")", Native.getLastError());
        }
        return (int) fd;
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        Binding.ensure();
        if (LibC.syscall(LibC.SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) < 0) {
            throw new ErrnoException("pidfd_send_signal(pidfd=" + pidfd + ", sig=" + signal + ")", Native.getLastError());
        }
    }

    @Override
    public boolean signalIgnored(int signal) {
        Binding.ensure();
        try (Memory old = new Memory(LibC.SIGACTION_SIZE)) {
            old.clear();
            if (LibC.sigaction(signal, null, old) < 0) {
                throw new ErrnoException("sigaction(sig=" + signal + ", NULL, &old)", Native.getLastError());
            }
            return (old.getInt(LibC.SA_FLAGS_OFFSET) & LibC.SA_SIGINFO) == 0 && old.getLong(0) == 1L;
        }
    }

    @Override
    public int poll(int fd, int events, int timeoutMillis) {
        Binding.ensure();
        int[] one = new int[2];
        while (true) {
            one[0] = fd;
            one[1] = events & 0xffff;
            int r = LibC.poll(one, 1, timeoutMillis);
            if (r >= 0) {
                return r == 0 ? 0 : one[1] >>> 16;
            }
            int errno = Native.getLastError();
            if (errno != LibC.EINTR) {
                throw new ErrnoException("poll(fd=" + fd + ", events=" + events + ", timeout=" + timeoutMillis + ")", errno);
            }
        }
    }

    @Override
    public void setParentDeathSignal(int signal) {
        Binding.ensure();
        if (LibC.prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0) < 0) {
            throw new ErrnoException("prctl(PR_SET_PDEATHSIG, sig=" + signal + ")", Native.getLastError());
        }
    }

    @Override
    public void madvise(long address, long length, int advice) {
        Binding.ensure();
        if (LibC.madvise(address, length, advice) < 0) {
            throw new ErrnoException("madvise(0x" + Long.toHexString(address) + ", " + length + ", " + advice + ")",
                Native.getLastError());
        }
    }

    @Override
    public void closeOnExecFrom(int lowestFd) {
        Binding.ensure();
        ErrnoException.check(LibC.close_range(lowestFd, -1, LibC.CLOSE_RANGE_CLOEXEC),
            "close_range(" + lowestFd + ", ~0U, CLOSE_RANGE_CLOEXEC)", Native::getLastError);
    }

    /**
     * {@inheritDoc}
     *
     * <p>libc's {@code posix_spawnp} through {@link PosixSpawn}, as the jni backend does in C.
     */
    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        return spawn(argv, stdinFd, stdoutFd, stderrFd, null, null);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory,
                     String[] environment) {
        Binding.ensure();
        return PosixSpawn.spawn(Binding.SPAWN, argv, stdinFd, stdoutFd, stderrFd, directory, environment);
    }

    private static void checkLength(byte[] buffer, int length) {
        if (length < 0 || length > buffer.length) {
            throw new IndexOutOfBoundsException("length " + length + " outside buffer of " + buffer.length);
        }
    }

    @Override
    public String toString() {
        Throwable cause = Binding.CAUSE;
        return "jna backend (" + (cause == null ? "available" : "unavailable: " + cause.getMessage()) + ")";
    }

    /** Binds libc once; records why it could not. */
    @Override
    public ThreadStartCalls threadStartCalls() {
        Binding.ensure();
        return JnaThreadCalls.INSTANCE;
    }

    private static final class Binding {
        static final Throwable CAUSE = bind();
        /** The posix_spawnp family; null when libc could not be bound. */
        static final JnaSpawnCalls SPAWN = CAUSE == null ? new JnaSpawnCalls() : null;

        static Throwable bind() {
            try {
                Platform.requireSupported("jna");
            } catch (UnsupportedOperationException e) {
                return e;
            }
            try {
                LibC.getpid();
                return null;
            } catch (Throwable t) {
                return new IllegalStateException("JNA could not bind libc: " + t, t);
            }
        }

        static void ensure() {
            if (CAUSE != null) {
                throw new IllegalStateException("the jna backend is unavailable: " + CAUSE.getMessage(), CAUSE);
            }
        }
    }
}
