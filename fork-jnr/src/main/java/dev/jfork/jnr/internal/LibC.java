package dev.jfork.jnr.internal;

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
}
