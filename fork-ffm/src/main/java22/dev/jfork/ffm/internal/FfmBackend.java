package dev.jfork.ffm.internal;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import dev.jfork.ErrnoException;
import dev.jfork.Signals;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.ProcessForker;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The FFM backend's implementation, compiled for JDK 22: every call a {@link Linker} downcall to
 * libc, errno captured by the same downcall ({@code Linker.Option.captureCallState("errno")}).
 * Loaded by {@code dev.jfork.ffm.FfmProcessForker} only on JDK 22 or later; its constructor binds every symbol,
 * so a forked child never looks one up.
 *
 * <p>Memory: byte arrays are never handed to native code (a heap segment would need a critical
 * downcall, which holds off the GC for as long as a {@code read} blocks). Each thread has its own
 * native scratch memory (errno, a 16 KiB transfer buffer, a {@code siginfo_t}), made on its first
 * call, in the parent: a child keeps using its forking thread's scratch and mallocs nothing.
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class FfmBackend implements ProcessForker, NativeChildPaths {
    private static final int EINTR = 4;
    /** {@code O_CLOEXEC} on Linux x86_64 and aarch64. */
    private static final int O_CLOEXEC = 02000000;
    /** {@code CLOSE_RANGE_CLOEXEC} from {@code linux/close_range.h}. */
    private static final int CLOSE_RANGE_CLOEXEC = 4;
    /** {@code sizeof(struct sigaction)} in glibc on x86_64 and aarch64. */
    private static final long SIGACTION_SIZE = 152;
    /** {@code sizeof(siginfo_t)} on Linux. */
    private static final long SIGINFO_SIZE = 128;
    /** {@code sizeof(sigset_t)} in glibc. */
    private static final long SIGSET_SIZE = 128;
    /** Room for glibc's {@code posix_spawnattr_t} (336 bytes) and {@code posix_spawn_file_actions_t} (80). */
    private static final long SPAWN_STRUCT_SIZE = 512;
    private static final int P_PID = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int SIG_SETMASK = 2;
    private static final int F_DUPFD_CLOEXEC = 1030;
    private static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    private static final short POSIX_SPAWN_SETSIGMASK = 0x08;
    /** Largest transfer of one read or write, staged in the thread's scratch memory. */
    private static final int IO_CHUNK = 16384;
    /** Room for a pid in decimal. */
    private static final int PID_DIGITS = 11;
    /** How often the native child path is run in the parent before its first fork (as PreWarm's rounds). */
    static final int WARM_ROUNDS = 12_000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final long CAPTURE_SIZE = Linker.Option.captureStateLayout().byteSize();
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
        .byteOffset(MemoryLayout.PathElement.groupElement("errno"));

    // (address, int) -> void: _exit, and srand for warmUpExit; one handle for both
    private static final MethodHandle VOID_INT = LINKER.downcallHandle(FunctionDescriptor.ofVoid(JAVA_INT));
    // (address, int) -> int: alarm, and abs as its stand-in when the child path is warmed
    private static final MethodHandle INT_INT = LINKER.downcallHandle(FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    private static final MemorySegment EXIT = symbol("_exit");
    private static final MemorySegment SRAND = symbol("srand");
    private static final MemorySegment ALARM = symbol("alarm");
    private static final MemorySegment ABS = symbol("abs");

    private static final MethodHandle FORK = bind("fork", FunctionDescriptor.of(JAVA_INT), ERRNO);
    private static final MethodHandle GETPID = bind("getpid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle GETPPID = bind("getppid", FunctionDescriptor.of(JAVA_INT));
    private static final MethodHandle WAITPID = bind("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    private static final MethodHandle WAITID = bind("waitid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    private static final MethodHandle KILL = bind("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle PIPE2 = bind("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    private static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    private static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    // write with the buffer as a raw address (a pointer is passed like a long on LP64): the child
    // writes from an offset of its buffer without making a slice object
    private static final MethodHandle WRITE_RAW = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_LONG), ERRNO);
    private static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle DUP2 = bind("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle EXECV = bind("execv", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), ERRNO);
    private static final MethodHandle EXECVP = bind("execvp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), ERRNO);
    private static final MethodHandle SIGACTION = bind("sigaction", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO);
    private static final MethodHandle SIGPROCMASK = bind("sigprocmask", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO);
    // prctl is variadic: the arguments after the option are passed as variadic ones
    private static final MethodHandle PRCTL = bind("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG,
        JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1), ERRNO);
    private static final int PR_SET_PDEATHSIG = 1;
    private static final MethodHandle CLOSE_RANGE = bind("close_range", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    private static final MethodHandle FCNTL_INT = bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
        Linker.Option.firstVariadicArg(2), ERRNO);
    private static final MethodHandle SIGEMPTYSET = bind("sigemptyset", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SIGADDSET = bind("sigaddset", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle SPAWNATTR_INIT = bind("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_DESTROY = bind("posix_spawnattr_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETSIGDEFAULT = bind("posix_spawnattr_setsigdefault", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETSIGMASK = bind("posix_spawnattr_setsigmask", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    private static final MethodHandle SPAWNATTR_SETFLAGS = bind("posix_spawnattr_setflags", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_SHORT));
    private static final MethodHandle ACTIONS_INIT = bind("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_DESTROY = bind("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    private static final MethodHandle ACTIONS_ADDDUP2 = bind("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    private static final MethodHandle ACTIONS_ADDCLOSEFROM = bind("posix_spawn_file_actions_addclosefrom_np", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    private static final MethodHandle POSIX_SPAWNP = bind("posix_spawnp",
        FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
    /** {@code extern char **environ}: the variable, read at each spawn. */
    private static final MemorySegment ENVIRON = symbol("environ").reinterpret(ADDRESS.byteSize());

    /** Lives as long as this class: a {@code struct sigaction} of zeros (SIG_DFL, empty mask, no flags) and an empty signal set. */
    private static final Arena STATIC = Arena.ofAuto();
    private static final MemorySegment DEFAULT_ACTION = STATIC.allocate(SIGACTION_SIZE, 8);
    private static final MemorySegment EMPTY_SET = STATIC.allocate(SIGSET_SIZE, 8);

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final Charset CHARSET = jnuCharset();
    private static final Object WARM_LOCK = new Object();
    private static volatile boolean childPathWarm;

    /** Binds libc (done by this class's initialisation) and makes one call of each kind the child makes. */
    public FfmBackend() {
        Scratch scratch = scratch();
        getpid();
        warmUpExit(0);
        intInt(ABS, 0);
        Objects.requireNonNull(scratch.capture);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    private static Scratch scratch() {
        return SCRATCH.get();
    }

    private static int errno(MemorySegment capture) {
        return capture.get(JAVA_INT, ERRNO_OFFSET);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("downcall failed: " + t, t);
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public java.util.Optional<Throwable> unavailabilityCause() {
        return java.util.Optional.empty();
    }

    @Override
    public int fork() {
        MemorySegment capture = scratch().capture;
        int pid;
        try {
            pid = (int) FORK.invokeExact(capture);
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
            return (int) GETPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int getppid() {
        try {
            return (int) GETPPID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public void _exit(int status) {
        voidInt(EXIT, status);
    }

    /** {@code srand(value)}: the very handle {@link #_exit} uses, on a harmless function. */
    @Override
    public void warmUpExit(int value) {
        voidInt(SRAND, value);
    }

    private static void voidInt(MemorySegment function, int value) {
        try {
            VOID_INT.invokeExact(function, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int intInt(MemorySegment function, int value) {
        try {
            return (int) INT_INT.invokeExact(function, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        Scratch s = scratch();
        while (true) {
            int r;
            try {
                r = (int) WAITPID.invokeExact(s.capture, pid, s.ints, options);
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
        Scratch s = scratch();
        while (true) {
            int r;
            try {
                r = (int) WAITID.invokeExact(s.capture, P_PID, pid, s.siginfo, WEXITED | WNOWAIT);
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
            r = (int) KILL.invokeExact(capture, pid, signal);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("kill(pid=" + pid + ", sig=" + signal + ")", errno(capture));
        }
    }

    @Override
    public int[] pipe() {
        Scratch s = scratch();
        int r;
        try {
            r = (int) PIPE2.invokeExact(s.capture, s.ints, O_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("pipe2()", errno(s.capture));
        }
        return new int[] {s.ints.get(JAVA_INT, 0), s.ints.get(JAVA_INT, 4)};
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        checkLength(buffer, length);
        Scratch s = scratch();
        long n;
        try {
            n = (long) READ.invokeExact(s.capture, fd, s.io, (long) Math.min(length, IO_CHUNK));
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (n < 0) {
            throw new ErrnoException("read(fd=" + fd + ")", errno(s.capture));
        }
        MemorySegment.copy(s.io, JAVA_BYTE, 0, buffer, 0, (int) n);
        return (int) n;
    }

    @Override
    public int write(int fd, byte[] buffer, int length) {
        checkLength(buffer, length);
        Scratch s = scratch();
        int done = 0;
        do {
            int size = Math.min(length - done, IO_CHUNK);
            MemorySegment.copy(buffer, done, s.io, JAVA_BYTE, 0, size);
            long n;
            try {
                n = (long) WRITE.invokeExact(s.capture, fd, s.io, (long) size);
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

    @Override
    public void close(int fd) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("close(fd=" + fd + ")", errno(capture));
        }
    }

    @Override
    public void dup2(int oldFd, int newFd) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) DUP2.invokeExact(capture, oldFd, newFd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("dup2(" + oldFd + ", " + newFd + ")", errno(capture));
        }
    }

    @Override
    public void execv(String path, String[] argv) {
        exec(EXECV, "execv", path, argv);
    }

    @Override
    public void execvp(String file, String[] argv) {
        exec(EXECVP, "execvp", file, argv);
    }

    private static void exec(MethodHandle handle, String call, String program, String[] argv) {
        MemorySegment capture = scratch().capture;
        int errno;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment p = cString(arena, program, call.equals("execv") ? "path" : "file");
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

    @Override
    public int alarm(int seconds) {
        return intInt(ALARM, seconds);
    }

    @Override
    public void resetSignal(int signal) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) SIGACTION.invokeExact(capture, signal, DEFAULT_ACTION, MemorySegment.NULL);
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
            r = (int) PRCTL.invokeExact(capture, PR_SET_PDEATHSIG, (long) signal, 0L, 0L, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("prctl(PR_SET_PDEATHSIG, sig=" + signal + ")", errno(capture));
        }
    }

    @Override
    public void closeOnExecFrom(int lowestFd) {
        MemorySegment capture = scratch().capture;
        int r;
        try {
            r = (int) CLOSE_RANGE.invokeExact(capture, lowestFd, -1, CLOSE_RANGE_CLOEXEC);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (r < 0) {
            throw new ErrnoException("close_range(" + lowestFd + ", ~0U, CLOSE_RANGE_CLOEXEC)", errno(capture));
        }
    }

    // ---------------------------------------------------------------------------------------------
    // NativeChildPaths

    @Override
    public int forkWriteAndExit(int fd, byte[] bytes, int exitCode, int alarmSeconds) {
        Objects.requireNonNull(bytes, "bytes");
        String operation = "fork() for forkWriteAndExit(fd=" + fd + ")";
        warmChildPath();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(Math.max(1, bytes.length));
            MemorySegment.copy(bytes, 0, buffer, JAVA_BYTE, 0, bytes.length);
            return forkChild(ChildPlan.forChild(fd, buffer, bytes.length, false, 0, exitCode, alarmSeconds,
                scratch().capture), operation);
        }
    }

    @Override
    public int forkPrintPidAndExit(int fd, byte[] prefix, byte[] suffix, int exitCode, int alarmSeconds) {
        Objects.requireNonNull(prefix, "prefix");
        Objects.requireNonNull(suffix, "suffix");
        String operation = "fork() for forkPrintPidAndExit(fd=" + fd + ")";
        warmChildPath();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buffer = arena.allocate(prefix.length + PID_DIGITS + suffix.length);
            MemorySegment.copy(prefix, 0, buffer, JAVA_BYTE, 0, prefix.length);
            MemorySegment.copy(suffix, 0, buffer, JAVA_BYTE, prefix.length + PID_DIGITS, suffix.length);
            return forkChild(ChildPlan.forChild(fd, buffer, prefix.length, true, suffix.length, exitCode, alarmSeconds,
                scratch().capture), operation);
        }
    }

    /** Forks; the child runs {@link ChildPlan#run()} and never returns here. */
    private static int forkChild(ChildPlan plan, String operation) {
        int pid;
        try {
            pid = (int) FORK.invokeExact(plan.capture);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (pid < 0) {
            throw new ErrnoException(operation, errno(plan.capture));
        }
        return afterFork(pid, plan);
    }

    /** The one branch between parent and child; the parent's warm-up takes both sides of it. */
    static int afterFork(int pid, ChildPlan plan) {
        if (pid == 0) {
            plan.run();
        }
        return pid;
    }

    /**
     * Before the first fork of a native child path: runs the child's whole code in this (the
     * parent) process {@value #WARM_ROUNDS} times, on harmless stand-ins (signal dispositions only
     * queried, {@code abs} for {@code alarm}, {@code srand} for {@code _exit}, the bytes written to a
     * pipe of our own, now and then to fd -1), so that every downcall, method and branch the child
     * takes has been linked, run and compiled here, and the child asks the JVM for nothing.
     */
    static void warmChildPath() {
        if (childPathWarm) {
            return;
        }
        synchronized (WARM_LOCK) {
            if (childPathWarm) {
                return;
            }
            FfmBackend self = new FfmBackend();
            int[] pipe = self.pipe();
            byte[] drain = new byte[64];
            MemorySegment capture = scratch().capture;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment printBuffer = arena.allocate(1 + PID_DIGITS + 1);
                printBuffer.set(JAVA_BYTE, 0, (byte) 'w');
                printBuffer.set(JAVA_BYTE, 1 + PID_DIGITS, (byte) '\n');
                MemorySegment writeBuffer = arena.allocate(5);
                for (int i = 0; i < 5; i++) {
                    writeBuffer.set(JAVA_BYTE, i, (byte) 'w');
                }
                for (int round = 0; round < WARM_ROUNDS; round++) {
                    boolean printPid = (round & 1) == 0;
                    boolean broken = round % 8 == 7;
                    int alarmSeconds = (round & 2) == 0 ? 1 : 0;
                    ChildPlan plan = printPid
                        ? ChildPlan.forWarmUp(broken ? -1 : pipe[1], printBuffer, 1, true, 1, alarmSeconds, capture)
                        : ChildPlan.forWarmUp(broken ? -1 : pipe[1], writeBuffer, 5, false, 0, alarmSeconds, capture);
                    afterFork(0, plan);
                    afterFork(Integer.MAX_VALUE, plan);
                    if (!broken) {
                        int expected = printPid ? 1 + plan.digitsOf(self.getpid()) + 1 : 5;
                        int got = 0;
                        while (got < expected) {
                            got += self.read(pipe[0], drain, expected - got);
                        }
                    }
                }
            } finally {
                self.close(pipe[0]);
                self.close(pipe[1]);
            }
            childPathWarm = true;
        }
    }

    /**
     * Everything a child of {@link #forkWriteAndExit} or {@link #forkPrintPidAndExit} needs, made in
     * the parent: its buffer in native memory, the functions it calls. {@link #run()} is what the
     * child runs after {@code fork} returned 0: downcalls and arithmetic on native memory only, no
     * allocation, no class loading, no lambda, no string.
     */
    static final class ChildPlan {
        final int fd;
        final MemorySegment buffer;
        final long prefixLength;
        final boolean printPid;
        final long suffixLength;
        final int exitCode;
        final int alarmSeconds;
        final MemorySegment capture;
        /** The child's: {@code alarm}, {@code _exit}, SIG_DFL for three signals, an empty mask, no limit on a write. */
        final MemorySegment alarmFunction;
        final MemorySegment exitFunction;
        final MemorySegment action;
        final MemorySegment mask;
        final long chunk;

        private ChildPlan(int fd, MemorySegment buffer, long prefixLength, boolean printPid, long suffixLength,
                          int exitCode, int alarmSeconds, MemorySegment capture, boolean warmUp) {
            this.fd = fd;
            this.buffer = buffer;
            this.prefixLength = prefixLength;
            this.printPid = printPid;
            this.suffixLength = suffixLength;
            this.exitCode = exitCode;
            this.alarmSeconds = alarmSeconds;
            this.capture = capture;
            this.alarmFunction = warmUp ? ABS : ALARM;
            this.exitFunction = warmUp ? SRAND : EXIT;
            // NULL: sigaction and sigprocmask only report the current state
            this.action = warmUp ? MemorySegment.NULL : DEFAULT_ACTION;
            this.mask = warmUp ? MemorySegment.NULL : EMPTY_SET;
            // the warm-up writes in small pieces, so that the loop for a short write runs too
            this.chunk = warmUp ? 2 : Long.MAX_VALUE;
        }

        static ChildPlan forChild(int fd, MemorySegment buffer, long prefixLength, boolean printPid, long suffixLength,
                                  int exitCode, int alarmSeconds, MemorySegment capture) {
            return new ChildPlan(fd, buffer, prefixLength, printPid, suffixLength, exitCode, alarmSeconds, capture, false);
        }

        static ChildPlan forWarmUp(int fd, MemorySegment buffer, long prefixLength, boolean printPid, long suffixLength,
                                   int alarmSeconds, MemorySegment capture) {
            return new ChildPlan(fd, buffer, prefixLength, printPid, suffixLength, 0, alarmSeconds, capture, true);
        }

        /** The child: signals, alarm, the write, {@code _exit}. Returns only in the warm-up. */
        void run() {
            int code;
            try {
                sigaction(Signals.SIGTERM);
                sigaction(Signals.SIGINT);
                sigaction(Signals.SIGHUP);
                sigprocmask();
                if (alarmSeconds > 0) {
                    intInt(alarmFunction, alarmSeconds);
                }
                long length = prefixLength;
                if (printPid) {
                    long digits = formatPid(getpidRaw());
                    length = prefixLength + digits + suffixLength;
                }
                code = writeFully(length) ? exitCode : 127;
            } catch (Throwable t) {
                // never seen; a child must not unwind into the parent's code
                code = 127;
            }
            voidInt(exitFunction, code);
        }

        private void sigaction(int signal) {
            try {
                int ignored = (int) SIGACTION.invokeExact(capture, signal, action, MemorySegment.NULL);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        private void sigprocmask() {
            try {
                int ignored = (int) SIGPROCMASK.invokeExact(capture, SIG_SETMASK, mask, MemorySegment.NULL);
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        private static int getpidRaw() {
            try {
                return (int) GETPID.invokeExact();
            } catch (Throwable t) {
                throw rethrow(t);
            }
        }

        int digitsOf(int value) {
            int digits = 1;
            for (int v = value / 10; v != 0; v /= 10) {
                digits++;
            }
            return digits;
        }

        /** Writes the pid's digits after the prefix and moves the suffix down behind them. */
        private long formatPid(int pid) {
            int digits = digitsOf(pid);
            int v = pid;
            for (int i = digits - 1; i >= 0; i--) {
                buffer.set(JAVA_BYTE, prefixLength + i, (byte) ('0' + v % 10));
                v /= 10;
            }
            long from = prefixLength + PID_DIGITS;
            long to = prefixLength + digits;
            for (long i = 0; i < suffixLength; i++) {
                buffer.set(JAVA_BYTE, to + i, buffer.get(JAVA_BYTE, from + i));
            }
            return digits;
        }

        /** Writes {@code length} bytes of the buffer, retrying short writes and EINTR. */
        private boolean writeFully(long length) {
            long base = buffer.address();
            long done = 0;
            while (done < length) {
                long n;
                try {
                    n = (long) WRITE_RAW.invokeExact(capture, fd, base + done, Math.min(length - done, chunk));
                } catch (Throwable t) {
                    throw rethrow(t);
                }
                if (n < 0) {
                    if (errno(capture) == EINTR) {
                        continue;
                    }
                    return false;
                }
                done += n;
            }
            return true;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // spawn: posix_spawnp, the child entirely in native code (glibc's clone(CLONE_VM|CLONE_VFORK))

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        Objects.requireNonNull(argv, "argv");
        if (argv.length == 0) {
            throw new IllegalArgumentException("argv must name the program in argv[0]");
        }
        MemorySegment capture = scratch().capture;
        int[] sources = {stdinFd, stdoutFd, stderrFd};
        int[] copies = {-1, -1, -1};
        int err = 0;
        int pid = 0;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment args = cArgv(arena, argv);
            MemorySegment file = args.get(ADDRESS, 0);
            MemorySegment attr = arena.allocate(SPAWN_STRUCT_SIZE, 16);
            MemorySegment actions = arena.allocate(SPAWN_STRUCT_SIZE, 16);
            MemorySegment defaults = arena.allocate(SIGSET_SIZE, 8);
            MemorySegment none = arena.allocate(SIGSET_SIZE, 8);
            MemorySegment pidOut = arena.allocate(JAVA_INT);
            boolean haveAttr = false;
            boolean haveActions = false;
            try {
                err = (int) SPAWNATTR_INIT.invokeExact(attr);
                haveAttr = err == 0;
                if (err == 0) {
                    int ignored = (int) SIGEMPTYSET.invokeExact(defaults);
                    ignored = (int) SIGADDSET.invokeExact(defaults, Signals.SIGTERM);
                    ignored = (int) SIGADDSET.invokeExact(defaults, Signals.SIGINT);
                    ignored = (int) SIGADDSET.invokeExact(defaults, Signals.SIGHUP);
                    ignored = (int) SIGEMPTYSET.invokeExact(none);
                    err = (int) SPAWNATTR_SETSIGDEFAULT.invokeExact(attr, defaults);
                }
                if (err == 0) {
                    err = (int) SPAWNATTR_SETSIGMASK.invokeExact(attr, none);
                }
                if (err == 0) {
                    err = (int) SPAWNATTR_SETFLAGS.invokeExact(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
                }
                if (err == 0) {
                    err = (int) ACTIONS_INIT.invokeExact(actions);
                    haveActions = err == 0;
                }
                for (int target = 0; target < 3 && err == 0; target++) {
                    int fd = sources[target];
                    if (fd < 0) {
                        continue;
                    }
                    if (fd < 3 && fd != target) {
                        // an earlier dup2 onto 0..2 could overwrite this source (stdin and stdout
                        // swapped, say): use a close-on-exec copy above 2 instead
                        copies[target] = (int) FCNTL_INT.invokeExact(capture, fd, F_DUPFD_CLOEXEC, 3);
                        if (copies[target] < 0) {
                            err = errno(capture);
                            break;
                        }
                        fd = copies[target];
                    }
                    // with fd == target, glibc (>= 2.29) clears close-on-exec, as POSIX now requires
                    err = (int) ACTIONS_ADDDUP2.invokeExact(actions, fd, target);
                }
                if (err == 0) {
                    err = (int) ACTIONS_ADDCLOSEFROM.invokeExact(actions, 3);
                }
                if (err == 0) {
                    MemorySegment environ = ENVIRON.get(ADDRESS, 0);
                    err = (int) POSIX_SPAWNP.invokeExact(pidOut, file, actions, attr, args, environ);
                    pid = pidOut.get(JAVA_INT, 0);
                    if (err != 0 && pid > 0) {
                        // glibc reaps a child whose exec failed and leaves pid alone; another libc might not
                        while (true) {
                            int r = (int) WAITPID.invokeExact(capture, pid, MemorySegment.NULL, 0);
                            if (r >= 0 || errno(capture) != EINTR) {
                                break;
                            }
                        }
                    }
                }
            } catch (Throwable t) {
                throw rethrow(t);
            } finally {
                for (int copy : copies) {
                    if (copy >= 0) {
                        closeQuietly(capture, copy);
                    }
                }
                try {
                    if (haveActions) {
                        int ignored = (int) ACTIONS_DESTROY.invokeExact(actions);
                    }
                    if (haveAttr) {
                        int ignored = (int) SPAWNATTR_DESTROY.invokeExact(attr);
                    }
                } catch (Throwable t) {
                    throw rethrow(t);
                }
            }
        }
        if (err != 0) {
            throw new ErrnoException("posix_spawnp(" + argv[0] + ")", err);
        }
        return pid;
    }

    private static void closeQuietly(MemorySegment capture, int fd) {
        try {
            int ignored = (int) CLOSE.invokeExact(capture, fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ---------------------------------------------------------------------------------------------

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

    private static Charset jnuCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }

    @Override
    public String toString() {
        return "ffm backend (available)";
    }

    /** One thread's native scratch memory; freed when the thread is gone. */
    private static final class Scratch {
        final MemorySegment capture;
        final MemorySegment ints;
        final MemorySegment siginfo;
        final MemorySegment io;

        Scratch() {
            Arena arena = Arena.ofAuto();
            capture = arena.allocate(CAPTURE_SIZE, 8);
            ints = arena.allocate(8, 8);
            siginfo = arena.allocate(SIGINFO_SIZE, 8);
            io = arena.allocate(IO_CHUNK, 16);
        }
    }
}
