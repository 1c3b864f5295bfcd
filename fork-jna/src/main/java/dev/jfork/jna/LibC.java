package dev.jfork.jna;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;

/**
 * libc, bound with JNA direct mapping. Registration binds every symbol at once, in the parent, so a
 * forked child never looks one up. Each call stores errno, read with {@link Native#getLastError()}.
 */
final class LibC {
    /** {@code O_CLOEXEC} on Linux x86_64 and aarch64. */
    static final int O_CLOEXEC = 02000000;
    /** {@code CLOSE_RANGE_CLOEXEC} from {@code linux/close_range.h}. */
    static final int CLOSE_RANGE_CLOEXEC = 4;
    /** {@code sizeof(struct sigaction)} in glibc on x86_64 and aarch64. */
    static final int SIGACTION_SIZE = 152;
    /** {@code P_PID} of {@code waitid}. */
    static final int P_PID = 1;
    /** {@code WEXITED} of {@code waitid}. */
    static final int WEXITED = 4;
    /** {@code WNOWAIT} of {@code waitid}. */
    static final int WNOWAIT = 0x01000000;
    /** {@code sizeof(siginfo_t)} on Linux. */
    static final int SIGINFO_SIZE = 128;
    /** {@code struct sigaction}: {@code sa_flags} follows the handler (8 bytes) and the mask (128). */
    static final int SA_FLAGS_OFFSET = 136;
    static final int SA_SIGINFO = 4;
    static final long SYS_PIDFD_SEND_SIGNAL = 424;
    static final long SYS_PIDFD_OPEN = 434;
    static final int EINTR = 4;

    /**
     * A {@code struct sigaction} of zeros: {@code SIG_DFL}, an empty mask, no flags. Made once, in the
     * parent, so a child allocates nothing to reset a signal; it lives as long as this class.
     */
    static final Pointer DEFAULT_ACTION = zeroed(SIGACTION_SIZE);

    static {
        Native.register(LibC.class, NativeLibrary.getInstance(Platform.C_LIBRARY_NAME));
    }

    private static Pointer zeroed(int size) {
        Memory memory = new Memory(size);
        memory.clear();
        return memory;
    }

    private LibC() {
    }

    static native int fork();

    static native int getpid();

    static native int getppid();

    static native void _exit(int status);

    /** Same Java shape as {@link #_exit}; harmless. */
    static native void srand(int seed);

    static native int waitpid(int pid, int[] status, int options);

    static native int waitid(int idtype, int id, Pointer info, int options);

    static native int kill(int pid, int signal);

    static native int pipe2(int[] fds, int flags);

    static native long read(int fd, byte[] buffer, long count);

    static native long write(int fd, byte[] buffer, long count);

    static native int close(int fd);

    static native int dup2(int oldFd, int newFd);

    /** {@code open(path, flags, mode)}: variadic in C, called with its mode always (libffi sets what x86_64 needs). */
    static native int open(String path, int flags, int mode);

    /** {@code argv} is a NULL-terminated {@link com.sun.jna.StringArray}: direct mapping takes no String[]. */
    static native int execv(String path, Pointer argv);

    static native int execvp(String file, Pointer argv);

    static native int alarm(int seconds);

    /**
     * {@code sigaction}, not {@code signal}: HotSpot's signal-chaining library warns on stderr when
     * {@code signal} is called (JDK 16 to 22), and the JNI backend calls {@code sigaction} too.
     */
    static native int sigaction(int signal, Pointer action, Pointer oldAction);

    static native int close_range(int first, int last, int flags);

    /** {@code syscall(number, a, b, c, d)}; pidfd_open and pidfd_send_signal have no wrapper before glibc 2.36. */
    static native long syscall(long number, long a, long b, long c, long d);

    /** {@code poll} of {@code struct pollfd}s as ints: {fd, events | revents << 16} each (little-endian). */
    static native int poll(int[] fds, long count, int timeoutMillis);

    static native int madvise(long address, long length, int advice);

    /** {@code prctl} with the four arguments that follow the option, as the kernel reads them. */
    static native int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    // posix_spawnp and its helpers, on native addresses (see dev.jfork.spi.PosixSpawn); the
    // posix_spawn* functions return 0 or an error number

    static native int posix_spawnp(long pid, long file, long actions, long attr, long argv, long envp);

    static native int posix_spawn_file_actions_init(long actions);

    static native int posix_spawn_file_actions_adddup2(long actions, int fd, int newFd);

    /** glibc 2.34+. */
    static native int posix_spawn_file_actions_addclosefrom_np(long actions, int from);

    /** glibc 2.29+; {@code path} the address of a NUL-terminated string. */
    static native int posix_spawn_file_actions_addchdir_np(long actions, long path);

    static native int posix_spawn_file_actions_destroy(long actions);

    static native int posix_spawnattr_init(long attr);

    static native int posix_spawnattr_setsigdefault(long attr, long set);

    static native int posix_spawnattr_setsigmask(long attr, long set);

    static native int posix_spawnattr_setflags(long attr, short flags);

    static native int posix_spawnattr_destroy(long attr);

    static native int sigemptyset(long set);

    static native int sigaddset(long set, int signal);

    /** {@code fcntl} with one int argument, which travels as a fixed one would on x86_64 and aarch64. */
    static native int fcntl(int fd, int cmd, int arg);

    static native long calloc(long count, long size);

    static native void free(long address);
}
