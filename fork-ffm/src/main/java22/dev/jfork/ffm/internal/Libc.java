package dev.jfork.ffm.internal;

// The ffm backend's libc bindings: every downcall handle, bound once when this class initialises
// (so that a forked child never looks a symbol up), errno capture, and each thread's native scratch
// memory. No call is made here; the other classes of this package make them.

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * libc's functions as {@link Linker} downcall handles. Calls that report through errno capture it in
 * the same downcall ({@code Linker.Option.captureCallState("errno")}): their handle takes the
 * capture segment as its first argument, read with {@link #errno}. Pointers the caller owns as plain
 * addresses (the {@code posix_spawn} family, {@code calloc}) are passed as {@code long}s: jfork runs
 * on LP64 Linux only, where a pointer is passed as a 64-bit integer.
 */
@SuppressWarnings("restricted") // native access is the point of this class
final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final Linker.Option ERRNO = Linker.Option.captureCallState("errno");
    private static final long CAPTURE_SIZE = Linker.Option.captureStateLayout().byteSize();
    private static final long ERRNO_OFFSET = Linker.Option.captureStateLayout()
        .byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    /** {@code sizeof(siginfo_t)} on Linux. */
    static final long SIGINFO_SIZE = 128;
    /** {@code sizeof(struct sigaction)} in glibc on x86_64 and aarch64. */
    static final long SIGACTION_SIZE = 152;
    /** Largest transfer of one read or write, staged in the thread's scratch memory. */
    static final int IO_CHUNK = 16384;

    /**
     * {@code void (int)}, on a function address: {@code _exit}, and {@code srand} for
     * {@code warmUpExit}. One handle for both, so that the parent's warm-up makes the very downcall
     * a child's {@code _exit} makes (a cold FFM child hung in its first {@code _exit} otherwise).
     */
    static final MethodHandle VOID_INT = LINKER.downcallHandle(FunctionDescriptor.ofVoid(JAVA_INT));
    static final MemorySegment EXIT = symbol("_exit");
    static final MemorySegment SRAND = symbol("srand");
    /**
     * {@code int (int)}, on a function address: {@code alarm}, which a child calls before its start
     * handshake, and {@code abs}, on which the parent makes that very downcall hot (calling
     * {@code alarm} itself would cancel the application's alarm).
     */
    static final MethodHandle INT_INT = LINKER.downcallHandle(FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MemorySegment ALARM = symbol("alarm");
    static final MemorySegment ABS = symbol("abs");

    // process, wait and signal calls
    static final MethodHandle FORK = bind("fork", FunctionDescriptor.of(JAVA_INT), ERRNO);
    static final MethodHandle GETPID = bind("getpid", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle GETPPID = bind("getppid", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle WAITPID = bind("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    static final MethodHandle WAITID = bind("waitid",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    static final MethodHandle KILL = bind("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    static final MethodHandle SIGACTION = bind("sigaction",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS), ERRNO);
    // syscall is variadic: pidfd_open and pidfd_send_signal have no glibc wrapper before 2.36
    static final MethodHandle SYSCALL4 = bind("syscall", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG,
        JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1), ERRNO);
    static final MethodHandle POLL = bind("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERRNO);
    // prctl is variadic: the arguments after the option are passed as variadic ones
    static final MethodHandle MADVISE = bind("madvise",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), ERRNO);
    static final MethodHandle PRCTL = bind("prctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG,
        JAVA_LONG, JAVA_LONG, JAVA_LONG), Linker.Option.firstVariadicArg(1), ERRNO);

    // descriptor and exec calls
    static final MethodHandle PIPE2 = bind("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERRNO);
    static final MethodHandle READ = bind("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    static final MethodHandle WRITE = bind("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERRNO);
    static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT), ERRNO);
    static final MethodHandle DUP2 = bind("dup2", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    // open is variadic: the mode is passed as a variadic argument
    static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT),
        Linker.Option.firstVariadicArg(2), ERRNO);
    static final MethodHandle EXECV = bind("execv", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), ERRNO);
    static final MethodHandle EXECVP = bind("execvp", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS), ERRNO);
    static final MethodHandle CLOSE_RANGE = bind("close_range",
        FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERRNO);
    static final MethodHandle FCNTL_INT = bind("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT),
        Linker.Option.firstVariadicArg(2), ERRNO);

    // posix_spawnp and its set-up, on plain addresses (PosixSpawnCalls)
    static final MethodHandle CALLOC = bind("calloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG));
    static final MethodHandle FREE = bind("free", FunctionDescriptor.ofVoid(JAVA_LONG));
    static final MethodHandle SIGEMPTYSET = bind("sigemptyset", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    static final MethodHandle SIGADDSET = bind("sigaddset", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle SPAWNATTR_INIT = bind("posix_spawnattr_init", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    static final MethodHandle SPAWNATTR_DESTROY = bind("posix_spawnattr_destroy",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    static final MethodHandle SPAWNATTR_SETSIGDEFAULT = bind("posix_spawnattr_setsigdefault",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle SPAWNATTR_SETSIGMASK = bind("posix_spawnattr_setsigmask",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle SPAWNATTR_SETFLAGS = bind("posix_spawnattr_setflags",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_SHORT));
    static final MethodHandle ACTIONS_INIT = bind("posix_spawn_file_actions_init",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    static final MethodHandle ACTIONS_DESTROY = bind("posix_spawn_file_actions_destroy",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    static final MethodHandle ACTIONS_ADDDUP2 = bind("posix_spawn_file_actions_adddup2",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_INT));
    static final MethodHandle ACTIONS_ADDCLOSEFROM = bind("posix_spawn_file_actions_addclosefrom_np",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    static final MethodHandle ACTIONS_ADDCHDIR = bind("posix_spawn_file_actions_addchdir_np",
        FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    static final MethodHandle POSIX_SPAWNP = bind("posix_spawnp", FunctionDescriptor.of(JAVA_INT,
        JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    /** {@code extern char **environ}: the variable itself, whose value is read at each spawn. */
    static final MemorySegment ENVIRON = symbol("environ").reinterpret(ADDRESS.byteSize());

    /** Lives as long as this class: a {@code struct sigaction} of zeros (SIG_DFL, empty mask, no flags). */
    static final MemorySegment DEFAULT_ACTION = Arena.ofAuto().allocate(SIGACTION_SIZE, 8);

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private Libc() {
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        return LINKER.downcallHandle(symbol(name), descriptor, options);
    }

    /**
     * This thread's native scratch memory, made on its first call (in the parent: a child keeps
     * using its forking thread's and allocates nothing for it).
     */
    static Scratch scratch() {
        return SCRATCH.get();
    }

    /** The errno a downcall with errno capture left in {@code capture}. */
    static int errno(MemorySegment capture) {
        return capture.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** What {@code invokeExact} threw, as an unchecked throwable (it declares {@code Throwable}). */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            throw r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException("downcall failed: " + t, t);
    }

    /**
     * One thread's native scratch memory, freed when the thread is gone: errno capture, two
     * {@code int}s (a pipe's pair, a wait status), a {@code siginfo_t} and the transfer buffer of
     * {@code read} and {@code write}. Byte arrays are never handed to native code: a heap segment
     * would need a critical downcall, which holds off the GC for as long as a {@code read} blocks.
     */
    static final class Scratch {
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
