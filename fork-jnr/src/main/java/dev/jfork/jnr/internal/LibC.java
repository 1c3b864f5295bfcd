package dev.jfork.jnr.internal;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;

/**
 * The few libc functions that the jnr backend binds with jnr-ffi itself, because jnr-posix lacks
 * them or wraps them in more than a plain call. Internal to the jnr backend; not an API.
 *
 * <p>This interface is public, and its package exported, only because jnr-ffi defines the class
 * that implements it in a class loader of its own: on the module path that class can implement
 * the interface only if the package is exported to every module.
 *
 * <p>Only LP64 Linux (x86_64, aarch64) is supported, so a Java {@code long} is a C {@code long}
 * and a pointer. Every function that can fail saves errno ({@link SaveError}); it is read with
 * {@code jnr.ffi.LastError.getLastError(runtime)}.
 */
public interface LibC {

    /**
     * {@code pid_t fork(void)}, bound here rather than through jnr-posix: one generated call and
     * errno saved, with no jnr-posix layer between the SPI and libc (the raw round trip is the
     * benchmark that compares jfork with C).
     *
     * @return 0 in the child, the child's pid in the parent, or -1 with errno
     */
    @SaveError
    int fork();

    /**
     * {@code pid_t waitpid(pid_t pid, int *status, int options)}, bound here for the same reason as
     * {@link #fork()}: the parent's half of the raw round trip.
     *
     * @param pid the child
     * @param status receives the wait status in element 0
     * @param options e.g. {@code WNOHANG}
     * @return the pid, 0 with {@code WNOHANG}, or -1 with errno
     */
    @SaveError
    int waitpid(int pid, @Out int[] status, int options);

    /**
     * {@code void _exit(int status)}. Its binding has the same shape as {@link #srand(int)}.
     *
     * @param status the exit status
     */
    @IgnoreError
    void _exit(int status);

    /**
     * {@code void srand(unsigned seed)}: a harmless call with the same Java signature and binding
     * as {@link #_exit(int)}, used to do that shape's first-call work in the parent.
     *
     * @param seed the seed
     */
    @IgnoreError
    void srand(int seed);

    /**
     * {@code unsigned alarm(unsigned seconds)}; it cannot fail.
     *
     * @param seconds the delay, 0 to cancel
     * @return the seconds left on the previous alarm
     */
    @IgnoreError
    int alarm(int seconds);

    /**
     * {@code int prctl(int option, ...)} with the four arguments the kernel reads.
     *
     * @param option the operation, e.g. {@code PR_SET_PDEATHSIG} (1)
     * @param arg2 its first argument
     * @param arg3 unused here, 0
     * @param arg4 unused here, 0
     * @param arg5 unused here, 0
     * @return 0, or -1 with errno set
     */
    int prctl(int option, long arg2, long arg3, long arg4, long arg5);

    /**
     * {@code int madvise(void *addr, size_t length, int advice)}.
     *
     * @param address the start, page-aligned
     * @param length the length in bytes
     * @param advice e.g. {@code MADV_HUGEPAGE} (14)
     * @return 0, or -1 with errno
     */
    int madvise(@intptr_t long address, @size_t long length, int advice);

    /**
     * {@code int pipe2(int fds[2], int flags)}.
     *
     * @param fds receives the read end and the write end
     * @param flags e.g. {@code O_CLOEXEC}
     * @return 0, or -1 with errno
     */
    @SaveError
    int pipe2(@Out int[] fds, int flags);

    /**
     * {@code int sigaction(int signum, const struct sigaction *act, struct sigaction *oldact)}, not
     * {@code signal}: HotSpot's signal-chaining library warns on stderr when {@code signal} is called
     * (JDK 16 to 22).
     *
     * @param signum the signal
     * @param action the new action's address
     * @param oldAction where the old action goes, or 0
     * @return 0, or -1 with errno
     */
    @SaveError
    int sigaction(int signum, @intptr_t long action, @intptr_t long oldAction);

    /**
     * {@code sigaction(signum, NULL, &old)}: the disposition, into a Java array.
     *
     * @param signum the signal
     * @param action 0
     * @param oldAction receives the {@code struct sigaction} (152 bytes)
     * @return 0, or -1 with errno
     */
    @SaveError
    int sigaction(int signum, @intptr_t long action, @Out byte[] oldAction);

    /**
     * {@code int poll(struct pollfd *fds, nfds_t nfds, int timeout)}, each {@code struct pollfd} as two
     * ints: {@code fd}, then {@code events | revents << 16} (little-endian, as on x86_64 and aarch64).
     *
     * @param fds the descriptors and events; receives the revents
     * @param count how many
     * @param timeoutMillis the timeout
     * @return how many have events, 0 on timeout, or -1 with errno
     */
    @SaveError
    int poll(@In @Out int[] fds, long count, int timeoutMillis);

    /**
     * {@code int waitid(idtype_t idtype, id_t id, siginfo_t *info, int options)}.
     *
     * @param idtype e.g. {@code P_PID}
     * @param id the pid
     * @param info receives the {@code siginfo_t} (128 bytes)
     * @param options e.g. {@code WEXITED | WNOWAIT}
     * @return 0, or -1 with errno
     */
    @SaveError
    int waitid(int idtype, int id, @Out byte[] info, int options);

    /**
     * {@code long syscall(long number, ...)} with three arguments. Bound without varargs: on
     * x86_64 and aarch64 Linux integer varargs travel in the same registers as fixed arguments, and
     * glibc's {@code syscall} is an assembler routine that only moves registers.
     *
     * @param number the system call number
     * @param arg1 the first argument
     * @param arg2 the second argument
     * @param arg3 the third argument
     * @return the call's result, or -1 with errno
     */
    @SaveError
    long syscall(long number, long arg1, long arg2, long arg3);

    /**
     * {@code long syscall(long number, ...)} with four arguments, bound as the three-argument one is.
     *
     * @param number the system call number
     * @param arg1 the first argument
     * @param arg2 the second argument
     * @param arg3 the third argument
     * @param arg4 the fourth argument
     * @return the call's result, or -1 with errno
     */
    @SaveError
    long syscall(long number, long arg1, long arg2, long arg3, long arg4);

    /**
     * {@code void *calloc(size_t count, size_t size)}: zeroed native memory.
     *
     * @param count the number of elements
     * @param size the size of each
     * @return the block's address, or 0 with errno ({@code ENOMEM})
     */
    @SaveError
    @intptr_t
    long calloc(@size_t long count, @size_t long size);

    /**
     * {@code void free(void *ptr)}.
     *
     * @param address a block from {@link #calloc}
     */
    @IgnoreError
    void free(@intptr_t long address);

    /**
     * {@code void *memcpy(void *dest, const void *src, size_t n)} from a Java byte array.
     *
     * @param dest the native address
     * @param src the bytes, from index 0
     * @param n how many bytes
     * @return {@code dest}
     */
    @IgnoreError
    @intptr_t
    long memcpy(@intptr_t long dest, @In byte[] src, @size_t long n);

    /**
     * {@code void *memcpy(void *dest, const void *src, size_t n)} from a Java long array (native
     * byte order), used for tables of pointers.
     *
     * @param dest the native address
     * @param src the longs, from index 0
     * @param n how many bytes
     * @return {@code dest}
     */
    @IgnoreError
    @intptr_t
    long memcpy(@intptr_t long dest, @In long[] src, @size_t long n);

    /**
     * {@code int execv(const char *path, char *const argv[])} with both arguments as native
     * addresses, so that the call converts nothing in Java.
     *
     * @param path the address of the NUL-terminated path
     * @param argv the address of the NULL-terminated table of argument addresses
     * @return only on failure: -1 with errno
     */
    @SaveError
    int execv(@intptr_t long path, @intptr_t long argv);

    /**
     * {@code int execvp(const char *file, char *const argv[])} with both arguments as native
     * addresses, so that the call converts nothing in Java.
     *
     * @param file the address of the NUL-terminated program name
     * @param argv the address of the NULL-terminated table of argument addresses
     * @return only on failure: -1 with errno
     */
    @SaveError
    int execvp(@intptr_t long file, @intptr_t long argv);

    // posix_spawnp and its helpers (see dev.jfork.spi.PosixSpawn). They return 0 or an error number
    // themselves and leave errno alone, so none saves it.

    /**
     * {@code int posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *actions,
     * const posix_spawnattr_t *attr, char *const argv[], char *const envp[])}. Bound with
     * {@link Pointer}s: bound with six {@code @intptr_t long}s (or plain {@code long}s), jnr-ffi 2.2.17
     * makes a call that returns {@code EFAULT} (measured), while the same addresses as pointers work.
     *
     * @param pid where the child's pid goes
     * @param file the program name
     * @param actions the file actions
     * @param attr the attributes
     * @param argv the NULL-terminated argument table
     * @param envp the NULL-terminated environment table
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawnp(Pointer pid, Pointer file, Pointer actions, Pointer attr, Pointer argv, Pointer envp);

    /**
     * {@code int posix_spawn_file_actions_init(posix_spawn_file_actions_t *actions)}.
     *
     * @param actions the block
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawn_file_actions_init(@intptr_t long actions);

    /**
     * {@code int posix_spawn_file_actions_adddup2(posix_spawn_file_actions_t *actions, int fd, int newfd)}.
     *
     * @param actions the file actions
     * @param fd the source
     * @param newFd the child's descriptor
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawn_file_actions_adddup2(@intptr_t long actions, int fd, int newFd);

    /**
     * {@code int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from)}
     * (glibc 2.34+).
     *
     * @param actions the file actions
     * @param from the lowest descriptor closed
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawn_file_actions_addclosefrom_np(@intptr_t long actions, int from);

    /**
     * {@code int posix_spawn_file_actions_addchdir_np(posix_spawn_file_actions_t *actions, const char *path)}
     * (glibc 2.29+).
     *
     * @param actions the file actions
     * @param path the address of the NUL-terminated directory
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawn_file_actions_addchdir_np(@intptr_t long actions, @intptr_t long path);

    /**
     * {@code int posix_spawn_file_actions_destroy(posix_spawn_file_actions_t *actions)}.
     *
     * @param actions the file actions
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawn_file_actions_destroy(@intptr_t long actions);

    /**
     * {@code int posix_spawnattr_init(posix_spawnattr_t *attr)}.
     *
     * @param attr the block
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawnattr_init(@intptr_t long attr);

    /**
     * {@code int posix_spawnattr_setsigdefault(posix_spawnattr_t *attr, const sigset_t *set)}.
     *
     * @param attr the attributes
     * @param set the signals set to their default action
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawnattr_setsigdefault(@intptr_t long attr, @intptr_t long set);

    /**
     * {@code int posix_spawnattr_setsigmask(posix_spawnattr_t *attr, const sigset_t *set)}.
     *
     * @param attr the attributes
     * @param set the child's signal mask
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawnattr_setsigmask(@intptr_t long attr, @intptr_t long set);

    /**
     * {@code int posix_spawnattr_setflags(posix_spawnattr_t *attr, short flags)}.
     *
     * @param attr the attributes
     * @param flags the flags
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawnattr_setflags(@intptr_t long attr, short flags);

    /**
     * {@code int posix_spawnattr_destroy(posix_spawnattr_t *attr)}.
     *
     * @param attr the attributes
     * @return 0 or an error number
     */
    @IgnoreError
    int posix_spawnattr_destroy(@intptr_t long attr);

    /**
     * {@code int sigemptyset(sigset_t *set)}.
     *
     * @param set the set
     * @return 0, or -1
     */
    @IgnoreError
    int sigemptyset(@intptr_t long set);

    /**
     * {@code int sigaddset(sigset_t *set, int signum)}.
     *
     * @param set the set
     * @param signal the signal
     * @return 0, or -1
     */
    @IgnoreError
    int sigaddset(@intptr_t long set, int signal);

    /**
     * {@code int fcntl(int fd, int cmd, ...)} with one {@code int} argument (in the same register as a
     * fixed argument on x86_64 and aarch64).
     *
     * @param fd the descriptor
     * @param cmd e.g. {@code F_DUPFD_CLOEXEC} (1030)
     * @param arg its argument
     * @return the command's result, or -1 with errno
     */
    @SaveError
    int fcntl(int fd, int cmd, int arg);

    /**
     * {@code int close(int fd)}, errno not saved: used only on descriptors whose close cannot matter.
     *
     * @param fd the descriptor
     * @return 0, or -1
     */
    @IgnoreError
    int close(int fd);

    /**
     * {@code void *dlsym(void *handle, const char *symbol)} (in libc since glibc 2.34), used with
     * {@code RTLD_DEFAULT} (0) to find the address of libc's {@code environ} variable; jnr-ffi's own
     * {@code Variable<Pointer>} generates code that fails verification.
     *
     * @param handle {@code RTLD_DEFAULT}, 0
     * @param symbol the symbol's name
     * @return its address, or 0
     */
    @IgnoreError
    @intptr_t
    long dlsym(@intptr_t long handle, String symbol);
}
