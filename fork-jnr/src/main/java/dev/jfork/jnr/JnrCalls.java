package dev.jfork.jnr;

import dev.jfork.ErrnoException;
import dev.jfork.WaitStatus;
import dev.jfork.spi.OpenFlags;
import dev.jfork.jnr.internal.LibC;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.function.IntSupplier;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/**
 * The bound native calls behind {@link JnrProcessForker}: jnr-posix where it has a plain call, and
 * jnr-ffi's own {@link LibC} binding for the rest, exec included (see {@link #exec}). Made once by
 * {@link #bind()}.
 *
 * <p>Code that may run in a forked child does as little Java as it can: the success path of every
 * call builds nothing; an operation's text is built with a plain {@link StringBuilder} only on
 * failure (no {@code invokedynamic} string concatenation, no lambdas), and {@link #warmUp()} runs
 * each binding once in the parent. Only {@link #bind()}, which runs in the parent, uses more.
 *
 * <p>This class also serves as the errno reader handed to {@link ErrnoException#check}.
 */
final class JnrCalls implements IntSupplier {
    /** Linux {@code EINTR}. */
    private static final int EINTR = 4;
    /** Linux {@code O_CLOEXEC} on x86_64 and aarch64. */
    private static final int O_CLOEXEC = 02000000;
    /** {@code sizeof(struct sigaction)} in glibc on x86_64 and aarch64. */
    private static final long SIGACTION_SIZE = 152L;
    /** {@code __NR_close_range}: 436 on x86_64 and aarch64 alike (the shared syscall table). */
    private static final long SYS_CLOSE_RANGE = 436L;
    private static final long SYS_PIDFD_SEND_SIGNAL = 424L;
    private static final long SYS_PIDFD_OPEN = 434L;
    /** {@code struct sigaction}: {@code sa_flags} follows the handler (8 bytes) and the mask (128). */
    private static final int SA_FLAGS_OFFSET = 136;
    private static final int SA_SIGINFO = 4;
    /** {@code ~0U}, the highest descriptor for {@code close_range}. */
    private static final long ALL_FDS = 0xFFFF_FFFFL;
    /** {@code CLOSE_RANGE_CLOEXEC}. */
    private static final long CLOSE_RANGE_CLOEXEC = 4L;
    /** A pid above Linux's largest {@code pid_max} (2^22): never a process, never our child. */
    private static final int NO_SUCH_PID = Integer.MAX_VALUE;
    /** {@code waitid}'s {@code P_PID}, {@code WEXITED}, {@code WNOWAIT} and {@code sizeof(siginfo_t)}. */
    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int SIGINFO_SIZE = 128;

    private final POSIX posix;
    private final LibC libc;
    private final jnr.ffi.Runtime runtime;
    /**
     * The address of a {@code struct sigaction} of zeros ({@code SIG_DFL}, an empty mask, no flags),
     * made once in the parent so a child allocates nothing to reset a signal; never freed.
     */
    private final long defaultAction;
    /** The posix_spawnp family, for {@link dev.jfork.spi.PosixSpawn}. */
    private final JnrSpawnCalls spawnCalls;

    private JnrCalls(POSIX posix, LibC libc) {
        this.posix = posix;
        this.libc = libc;
        this.runtime = jnr.ffi.Runtime.getRuntime(libc);
        this.spawnCalls = new JnrSpawnCalls(libc);
        this.defaultAction = libc.calloc(1, SIGACTION_SIZE);
        if (defaultAction == 0) {
            throw new ErrnoException("calloc(1, sizeof(struct sigaction))", getAsInt());
        }
    }

    /**
     * Checks the platform, binds jnr-posix and the {@link LibC} functions, and warms every binding
     * up in this (parent) process.
     *
     * @return the bound calls
     * @throws UnsupportedOperationException on anything but Linux x86_64 or aarch64
     * @throws IllegalStateException when jnr-posix has no native implementation here
     * @throws LinkageError when a library or a symbol cannot be bound
     */
    static JnrCalls bind() {
        String platform = dev.jfork.spi.Platform.requireSupported("jnr");
        // getNativePOSIX, never getPOSIX: the latter silently falls back to a pure-Java POSIX whose fork returns -1.
        POSIX posix = POSIXFactory.getNativePOSIX();
        if (posix == null || !posix.isNative()) {
            throw new IllegalStateException("jnr-posix has no native POSIX implementation for " + platform);
        }
        LibC libc = LibraryLoader.create(LibC.class)
            .failImmediately()
            .load(Platform.getNativePlatform().getStandardCLibraryName());
        JnrCalls calls = new JnrCalls(posix, libc);
        calls.warmUp();
        return calls;
    }

    /**
     * Runs, in the parent, every binding whose call can be made harmless (an argument the kernel or
     * libc rejects before doing anything), through the same Java path a child would take, failure
     * and {@link ErrnoException} included. This also proves that each of those symbols is bound.
     * {@code fork}, {@code _exit}, {@code srand} and {@code alarm} cannot be called harmlessly and
     * are not run here; {@code srand} is the SPI's {@code warmUpExit}.
     */
    private void warmUp() {
        posix.getpid();
        posix.getppid();
        byte[] one = new byte[1];
        expectFailure(() -> read(-1, one, 0));
        expectFailure(() -> write(-1, one, 0));
        expectFailure(() -> close(-1));
        expectFailure(() -> dup2(-1, -1));
        expectFailure(() -> kill(NO_SUCH_PID, 0));
        expectFailure(() -> waitpid(NO_SUCH_PID, new int[1], WaitStatus.WNOHANG));
        expectFailure(() -> awaitExitWithoutReaping(NO_SUCH_PID));
        // pipe2 with flags the kernel rejects (EINVAL): no descriptor is ever made
        int[] fds = new int[2];
        expectFailure(() -> check(libc.pipe2(fds, -1), "pipe2(flags=-1)"));
        // signal 0 is rejected (EINVAL) before any disposition changes
        expectFailure(() -> resetSignal(0));
        // close_range with first > last is rejected (EINVAL) before it looks at any descriptor
        expectFailure(() -> check((int) libc.syscall(SYS_CLOSE_RANGE, 1, 0, CLOSE_RANGE_CLOEXEC), "close_range(1, 0)"));
        // an empty path is ENOENT for execv and execvp alike (this also runs calloc, memcpy and free)
        String[] argv = {"jfork-warm-up"};
        expectFailure(() -> execv("", argv));
        expectFailure(() -> execvp("", argv));
    }

    private static void expectFailure(Runnable call) {
        try {
            call.run();
        } catch (ErrnoException expected) {
            // the call failed as intended; its path, errno reading and exception are now warm
        }
    }

    /** The calling thread's errno as jnr saved it after the last native call. */
    @Override
    public int getAsInt() {
        return LastError.getLastError(runtime);
    }

    int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory, String[] environment) {
        return dev.jfork.spi.PosixSpawn.spawn(spawnCalls, argv, stdinFd, stdoutFd, stderrFd, directory, environment);
    }

    int fork() {
        return check(libc.fork(), "fork()");
    }

    int getpid() {
        return posix.getpid();
    }

    int getppid() {
        return posix.getppid();
    }

    void exit(int status) {
        libc._exit(status);
    }

    void warmUpExit(int value) {
        libc.srand(value);
    }

    int waitpid(int pid, int[] status, int options) {
        int result;
        do {
            result = libc.waitpid(pid, status, options);
        } while (result < 0 && getAsInt() == EINTR);
        return check(result, "waitpid", "pid", pid);
    }

    void awaitExitWithoutReaping(int pid) {
        byte[] info = new byte[SIGINFO_SIZE];
        int result;
        do {
            result = libc.waitid(P_PID, pid, info, WEXITED | WNOWAIT);
        } while (result < 0 && getAsInt() == EINTR);
        check(result, "waitid", "pid", pid);
    }

    void kill(int pid, int signal) {
        check(posix.kill(pid, signal), "kill", "pid", pid, "sig", signal);
    }

    int[] pipe() {
        int[] fds = new int[2];
        check(libc.pipe2(fds, O_CLOEXEC), "pipe2(O_CLOEXEC)");
        return fds;
    }

    int read(int fd, byte[] buffer, int length) {
        Objects.checkFromIndexSize(0, length, buffer.length);
        return check((int) posix.read(fd, buffer, (long) length), "read", "fd", fd, "length", length);
    }

    int write(int fd, byte[] buffer, int length) {
        Objects.checkFromIndexSize(0, length, buffer.length);
        return check((int) posix.write(fd, buffer, (long) length), "write", "fd", fd, "length", length);
    }

    void close(int fd) {
        check(posix.close(fd), "close", "fd", fd);
    }

    void dup2(int oldFd, int newFd) {
        check(posix.dup2(oldFd, newFd), "dup2", "oldFd", oldFd, "newFd", newFd);
    }

    int open(String path, int flags, int mode) {
        int fd = posix.open(path, flags, mode);
        return fd >= 0 ? fd : check(fd, "open(" + path + ", " + OpenFlags.describe(flags) + ")");
    }

    void execv(String path, String[] argv) {
        exec(false, path, argv);
    }

    void execvp(String file, String[] argv) {
        exec(true, file, argv);
    }

    /**
     * Builds the C strings and the NULL-terminated {@code argv} table in one zeroed native block and
     * calls {@code execv} or {@code execvp} on it. This runs in a forked child, so it takes the
     * plainest path: {@code String.getBytes} and {@code System.arraycopy} into one byte array and
     * one long array, then {@code calloc}, two {@code memcpy} and the exec. jnr-ffi's own
     * {@code CharSequence[]} conversion would run charset encoders and allocate jnr {@code Memory}
     * objects that register with jnr's finalizer thread, a thread that does not exist in the child.
     * Strings are encoded in UTF-8.
     */
    private void exec(boolean searchPath, String program, String[] argv) {
        byte[] programBytes = program.getBytes(StandardCharsets.UTF_8);
        byte[][] argBytes = new byte[argv.length][];
        int stringsSize = programBytes.length + 1;
        for (int i = 0; i < argv.length; i++) {
            argBytes[i] = argv[i].getBytes(StandardCharsets.UTF_8);
            stringsSize += argBytes[i].length + 1;
        }
        // the table: one address per argument, then NULL; the strings follow it, each NUL-terminated
        long tableSize = 8L * (argv.length + 1);
        long block = libc.calloc(1, tableSize + stringsSize);
        if (block == 0) {
            check(-1, "calloc", "size", (int) Math.min(Integer.MAX_VALUE, tableSize + stringsSize));
        }
        long strings = block + tableSize;
        byte[] stringBytes = new byte[stringsSize];
        long[] table = new long[argv.length + 1];
        System.arraycopy(programBytes, 0, stringBytes, 0, programBytes.length);
        int offset = programBytes.length + 1;
        for (int i = 0; i < argv.length; i++) {
            table[i] = strings + offset;
            System.arraycopy(argBytes[i], 0, stringBytes, offset, argBytes[i].length);
            offset += argBytes[i].length + 1;
        }
        libc.memcpy(block, table, tableSize);
        libc.memcpy(strings, stringBytes, stringsSize);
        int result = searchPath ? libc.execvp(strings, block) : libc.execv(strings, block);
        // free ignores errno (IgnoreError): the saved errno is still exec's
        libc.free(block);
        check(result < 0 ? result : -1, searchPath ? "execvp" : "execv", program);
    }

    int alarm(int seconds) {
        return libc.alarm(seconds);
    }

    void setParentDeathSignal(int signal) {
        check(libc.prctl(1, signal, 0, 0, 0), "prctl", "PR_SET_PDEATHSIG, sig", signal);
    }

    void madvise(long address, long length, int advice) {
        if (libc.madvise(address, length, advice) < 0) {
            ErrnoException.check(-1, new StringBuilder("madvise(0x").append(Long.toHexString(address)).append(", ")
                .append(length).append(", ").append(advice).append(')').toString(), this);
        }
    }

    void resetSignal(int signal) {
        check(libc.sigaction(signal, defaultAction, 0L), "sigaction", "sig", signal, "handler", "SIG_DFL");
    }

    int pidfdOpen(int pid) {
        long fd = libc.syscall(SYS_PIDFD_OPEN, pid, 0, 0);
        return check(fd < 0 ? -1 : (int) fd, "pidfd_open", "pid", pid);
    }

    void pidfdSendSignal(int pidfd, int signal) {
        long result = libc.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0);
        check(result < 0 ? -1 : 0, "pidfd_send_signal", "pidfd", pidfd, "sig", signal);
    }

    boolean signalIgnored(int signal) {
        byte[] old = new byte[(int) SIGACTION_SIZE];
        check(libc.sigaction(signal, 0L, old), "sigaction", "sig", signal, "handler", "NULL");
        java.nio.ByteBuffer action = java.nio.ByteBuffer.wrap(old).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        return (action.getInt(SA_FLAGS_OFFSET) & SA_SIGINFO) == 0 && action.getLong(0) == 1L;
    }

    int poll(int fd, int events, int timeoutMillis) {
        int[] one = new int[2];
        int result;
        do {
            one[0] = fd;
            one[1] = events & 0xffff;
            result = libc.poll(one, 1, timeoutMillis);
        } while (result < 0 && getAsInt() == EINTR);
        check(result, "poll", "fd", fd, "events", events);
        return result == 0 ? 0 : one[1] >>> 16;
    }

    void closeOnExecFrom(int lowestFd) {
        long result = libc.syscall(SYS_CLOSE_RANGE, lowestFd, ALL_FDS, CLOSE_RANGE_CLOEXEC);
        check(result < 0 ? -1 : 0, "close_range", "fd", lowestFd, "flags", "CLOSE_RANGE_CLOEXEC");
    }

    // The checks: ErrnoException.check is the one place where -1 becomes an exception. The operation
    // text is built only when the call failed, with StringBuilder (see the class comment).

    private int check(int result, String operation) {
        return result >= 0 ? result : ErrnoException.check(result, operation, this);
    }

    private int check(int result, String name, String argument) {
        if (result >= 0) {
            return result;
        }
        return ErrnoException.check(result, new StringBuilder(name).append('(').append(argument).append(')').toString(), this);
    }

    private int check(int result, String name, String key, int value) {
        if (result >= 0) {
            return result;
        }
        StringBuilder op = new StringBuilder(name).append('(').append(key).append('=').append(value).append(')');
        return ErrnoException.check(result, op.toString(), this);
    }

    private int check(int result, String name, String key1, int value1, String key2, int value2) {
        if (result >= 0) {
            return result;
        }
        StringBuilder op = new StringBuilder(name).append('(').append(key1).append('=').append(value1)
            .append(", ").append(key2).append('=').append(value2).append(')');
        return ErrnoException.check(result, op.toString(), this);
    }

    private int check(int result, String name, String key1, int value1, String key2, String value2) {
        if (result >= 0) {
            return result;
        }
        StringBuilder op = new StringBuilder(name).append('(').append(key1).append('=').append(value1)
            .append(", ").append(key2).append('=').append(value2).append(')');
        return ErrnoException.check(result, op.toString(), this);
    }
}
