package dev.jfork.jni;

import dev.jfork.ErrnoException;
import dev.jfork.spi.MemoryAdvice;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.ProcessForker;
import dev.jfork.spi.VmThreadRevival;
import java.util.Objects;
import java.util.Optional;

/**
 * The JNI backend ({@code jni}): a small C library, {@code libjfork.so}, shipped in this jar and
 * bound eagerly with {@code RegisterNatives}. It also runs whole child paths natively
 * ({@link NativeChildPaths}).
 *
 * <p>The library is loaded once, on first use or on the first {@link #unavailabilityCause()}; see
 * {@link #LIBRARY_PATH_PROPERTY} and {@link #TMPDIR_PROPERTY} for where it comes from. Each native
 * call returns {@code -errno} on failure, captured in that same call, and this class throws it as
 * an {@link ErrnoException}.
 */
public final class JniProcessForker implements ProcessForker, NativeChildPaths, MemoryAdvice {
    /**
     * System property: the absolute path of a {@code libjfork.so} to load instead of the copy in
     * the jar.
     */
    public static final String LIBRARY_PATH_PROPERTY = "fork.jni.library";

    /**
     * System property: the directory under which the jar's {@code libjfork.so} is extracted
     * (into a private temporary directory, deleted right after loading) instead of
     * {@code java.io.tmpdir}; use it when {@code java.io.tmpdir} is mounted {@code noexec}.
     */
    public static final String TMPDIR_PROPERTY = "fork.jni.tmpdir";

    /** Cheap and never throws: nothing is loaded until the backend is first used or asked about. */
    public JniProcessForker() {
    }

    @Override
    public String name() {
        return "jni";
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(Library.CAUSE);
    }

    @Override
    public int fork() {
        Library.ensure();
        int r = NativeCalls.fork();
        if (r < 0) {
            throw new ErrnoException("fork()", -r);
        }
        return r;
    }

    @Override
    public int getpid() {
        Library.ensure();
        return NativeCalls.getpid();
    }

    @Override
    public int getppid() {
        Library.ensure();
        return NativeCalls.getppid();
    }

    @Override
    public void _exit(int status) {
        Library.ensure();
        NativeCalls._exit(status);
    }

    @Override
    public void warmUpExit(int value) {
        Library.ensure();
        NativeCalls.warmUpExit(value);
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        Library.ensure();
        Objects.checkIndex(0, status.length);
        int r = NativeCalls.waitpid(pid, status, options);
        if (r < 0) {
            throw new ErrnoException("waitpid(pid=" + pid + ")", -r);
        }
        return r;
    }

    @Override
    public void awaitExitWithoutReaping(int pid) {
        Library.ensure();
        int r = NativeCalls.waitExitedNoReap(pid);
        if (r < 0) {
            throw new ErrnoException("waitid(P_PID, pid=" + pid + ", WEXITED|WNOWAIT)", -r);
        }
    }

    @Override
    public void kill(int pid, int signal) {
        Library.ensure();
        int r = NativeCalls.kill(pid, signal);
        if (r < 0) {
            throw new ErrnoException("kill(pid=" + pid + ", sig=" + signal + ")", -r);
        }
    }

    @Override
    public int[] pipe() {
        Library.ensure();
        int[] fds = new int[2];
        int r = NativeCalls.pipe2(fds);
        if (r < 0) {
            throw new ErrnoException("pipe2(O_CLOEXEC)", -r);
        }
        return fds;
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        Library.ensure();
        Objects.checkFromIndexSize(0, length, buffer.length);
        int r = NativeCalls.read(fd, buffer, length);
        if (r < 0) {
            throw new ErrnoException("read(fd=" + fd + ", length=" + length + ")", -r);
        }
        return r;
    }

    @Override
    public int write(int fd, byte[] buffer, int length) {
        Library.ensure();
        Objects.checkFromIndexSize(0, length, buffer.length);
        int r = NativeCalls.write(fd, buffer, length);
        if (r < 0) {
            throw new ErrnoException("write(fd=" + fd + ", length=" + length + ")", -r);
        }
        return r;
    }

    @Override
    public void close(int fd) {
        Library.ensure();
        int r = NativeCalls.close(fd);
        if (r < 0) {
            throw new ErrnoException("close(fd=" + fd + ")", -r);
        }
    }

    @Override
    public void dup2(int oldFd, int newFd) {
        Library.ensure();
        int r = NativeCalls.dup2(oldFd, newFd);
        if (r < 0) {
            throw new ErrnoException("dup2(oldFd=" + oldFd + ", newFd=" + newFd + ")", -r);
        }
    }

    @Override
    public int open(String path, int flags, int mode) {
        Library.ensure();
        int r = NativeCalls.open(CStrings.of(path, "path"), flags, mode);
        if (r < 0) {
            throw new ErrnoException("open(" + path + ", " + OpenFlags.describe(flags) + ")", -r);
        }
        return r;
    }

    @Override
    public void execv(String path, String[] argv) {
        Library.ensure();
        int r = NativeCalls.execv(CStrings.of(path, "path"), CStrings.of(argv));
        throw new ErrnoException("execv(" + path + ")", -r);
    }

    @Override
    public void execvp(String file, String[] argv) {
        Library.ensure();
        int r = NativeCalls.execvp(CStrings.of(file, "file"), CStrings.of(argv));
        throw new ErrnoException("execvp(" + file + ")", -r);
    }

    @Override
    public int alarm(int seconds) {
        Library.ensure();
        if (seconds < 0) {
            throw new IllegalArgumentException("alarm seconds must not be negative: " + seconds);
        }
        return NativeCalls.alarm(seconds);
    }

    @Override
    public void resetSignal(int signal) {
        Library.ensure();
        int r = NativeCalls.resetSignal(signal);
        if (r < 0) {
            throw new ErrnoException("sigaction(sig=" + signal + ", SIG_DFL)", -r);
        }
    }

    @Override
    public void setParentDeathSignal(int signal) {
        Library.ensure();
        int r = NativeCalls.setParentDeathSignal(signal);
        if (r < 0) {
            throw new ErrnoException("prctl(PR_SET_PDEATHSIG, sig=" + signal + ")", -r);
        }
    }

    @Override
    public int pidfdOpen(int pid) {
        Library.ensure();
        int r = NativeCalls.pidfdOpen(pid);
        if (r < 0) {
            throw new ErrnoException("pidfd_open(pid=" + pid + ")", -r);
        }
        return r;
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        Library.ensure();
        int r = NativeCalls.pidfdSendSignal(pidfd, signal);
        if (r < 0) {
            throw new ErrnoException("pidfd_send_signal(pidfd=" + pidfd + ", sig=" + signal + ")", -r);
        }
    }

    @Override
    public boolean signalIgnored(int signal) {
        Library.ensure();
        int r = NativeCalls.signalIgnored(signal);
        if (r < 0) {
            throw new ErrnoException("sigaction(sig=" + signal + ", NULL, &old)", -r);
        }
        return r == 1;
    }

    @Override
    public int poll(int fd, int events, int timeoutMillis) {
        Library.ensure();
        int r = NativeCalls.poll(fd, events, timeoutMillis);
        if (r < 0) {
            throw new ErrnoException("poll(fd=" + fd + ", events=" + events + ", timeout=" + timeoutMillis + ")", -r);
        }
        return r;
    }

    @Override
    public void closeOnExecFrom(int lowestFd) {
        Library.ensure();
        if (lowestFd < 0) {
            throw new IllegalArgumentException("lowestFd must not be negative: " + lowestFd);
        }
        int r = NativeCalls.closeOnExecFrom(lowestFd);
        if (r < 0) {
            throw new ErrnoException("close_range(" + lowestFd + ", ~0U, CLOSE_RANGE_CLOEXEC)", -r);
        }
    }

    @Override
    public int startVmThread(long[] mutexes, long[] layout, boolean start) {
        Library.ensure();
        if (mutexes.length < 1 || mutexes.length > 1024 || layout.length < VmThreadRevival.LAYOUT_WORDS
                || layout.length > VmThreadRevival.LAYOUT_WORDS + 2 * VmThreadRevival.MAX_IDLE_WORDS
                || (layout.length - VmThreadRevival.LAYOUT_WORDS) % 2 != 0) {
            return VmThreadRevival.BAD_ARGUMENTS << 16;
        }
        return ChildRuntimeCalls.startVmThread(mutexes, layout, start);
    }

    @Override
    public void madvise(long address, long length, int advice) {
        Library.ensure();
        int r = NativeCalls.madvise(address, length, advice);
        if (r < 0) {
            throw new ErrnoException("madvise(0x" + Long.toHexString(address) + ", " + length + ", " + advice + ")", -r);
        }
    }

    @Override
    public int forkWriteAndExit(int fd, byte[] bytes, int exitCode, int alarmSeconds) {
        Library.ensure();
        Objects.requireNonNull(bytes, "bytes");
        int r = NativeCalls.forkWriteAndExit(fd, bytes, exitCode, alarmSeconds);
        if (r < 0) {
            throw new ErrnoException("fork() for forkWriteAndExit(fd=" + fd + ")", -r);
        }
        return r;
    }

    @Override
    public int forkPrintPidAndExit(int fd, byte[] prefix, byte[] suffix, int exitCode, int alarmSeconds) {
        Library.ensure();
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(suffix, "suffix");
        int r = NativeCalls.forkPrintPidAndExit(fd, prefix, suffix, exitCode, alarmSeconds);
        if (r < 0) {
            throw new ErrnoException("fork() for forkPrintPidAndExit(fd=" + fd + ")", -r);
        }
        return r;
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        return spawn(argv, stdinFd, stdoutFd, stderrFd, null, null);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory,
                     String[] environment) {
        Library.ensure();
        if (argv.length == 0) {
            throw new IllegalArgumentException("argv must name the program in argv[0]");
        }
        int r = NativeCalls.spawn(CStrings.of(argv), stdinFd, stdoutFd, stderrFd,
            directory == null ? null : CStrings.of(directory, "directory"),
            environment == null ? null : CStrings.of(environment));
        if (r < 0) {
            throw new ErrnoException("posix_spawnp(" + argv[0] + ")" + (directory == null ? "" : " in " + directory), -r);
        }
        return r;
    }

    @Override
    public String toString() {
        Throwable cause = Library.CAUSE;
        return "jni backend (" + (cause == null ? "available" : "unavailable: " + cause.getMessage()) + ")";
    }

    /** Loads the native library once, on first use; records why it could not. */
    private static final class Library {
        static final Throwable CAUSE = load();

        private Library() {
        }

        private static Throwable load() {
            try {
                NativeLibraryLoader.load();
                return null;
            } catch (Throwable t) {
                return t;
            }
        }

        static void ensure() {
            Throwable cause = CAUSE;
            if (cause != null) {
                throw new IllegalStateException("the jni backend is unavailable: " + cause.getMessage(), cause);
            }
        }
    }
}
