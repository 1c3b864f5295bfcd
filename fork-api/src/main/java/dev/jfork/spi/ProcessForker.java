package dev.jfork.spi;

import dev.jfork.ErrnoException;
import java.util.Optional;

/**
 * The service-provider interface of jfork: the POSIX primitives that a backend binds, and nothing
 * that can be written once on top of them.
 *
 * <p>Backends are found with {@link java.util.ServiceLoader}. A provider's constructor must be cheap
 * and must not throw: a backend that cannot work on this machine says why through
 * {@link #unavailabilityCause()} instead.
 *
 * <p>Every method that wraps a system call throws {@link ErrnoException} when the call fails, with
 * the operation and errno; no {@code -1} ever reaches the caller. File descriptors are plain
 * {@code int}s, as in C.
 */
public interface ProcessForker {

    /**
     * The backend's name, as used by the {@code fork.backend} property: {@code jnr}, {@code jna}
     * or {@code jni}.
     *
     * @return the backend's short, lower-case name
     */
    String name();

    /**
     * Why this backend cannot run here, or empty if it can.
     *
     * @return the cause of unavailability; empty when the backend is usable
     */
    Optional<Throwable> unavailabilityCause();

    /**
     * Whether this backend can run here.
     *
     * @return {@code true} when {@link #unavailabilityCause()} is empty
     */
    default boolean isAvailable() {
        return unavailabilityCause().isEmpty();
    }

    /**
     * {@code fork(2)}. Only the calling thread exists in the child.
     *
     * @return 0 in the child, the child's pid in the parent
     */
    int fork();

    /**
     * {@code getpid(2)}.
     *
     * @return the calling process's pid
     */
    int getpid();

    /**
     * {@code getppid(2)}.
     *
     * @return the parent's pid
     */
    int getppid();

    /**
     * {@code _exit(2)}: ends the process at once, without shutdown hooks or any JVM work.
     *
     * @param status the exit status; only the low 8 bits reach the parent
     */
    void _exit(int status);

    /**
     * Calls a harmless native function that has the same Java signature and binding as
     * {@link #_exit(int)}, so that the JVM's first-call work for that signature (signature handler,
     * native wrapper, symbol binding) happens in the parent and never in a child. Measured: most
     * hangs of a warmed child were in its first {@code _exit}.
     *
     * @param value any value; it has no effect
     */
    void warmUpExit(int value);

    /**
     * {@code waitpid(2)}.
     *
     * @param pid the child to wait for
     * @param status receives the raw wait status in element 0
     * @param options {@code WNOHANG} and friends, see {@link dev.jfork.WaitStatus}
     * @return the pid of the child whose state changed, or 0 with {@code WNOHANG} when none did
     */
    int waitpid(int pid, int[] status, int options);

    /**
     * {@code waitid(P_PID, pid, &info, WEXITED | WNOWAIT)}, retried on {@code EINTR}: blocks until the
     * child has ended and leaves it unreaped. Until {@link #waitpid} reaps it, its pid stays taken, so
     * a signal sent meanwhile cannot reach another process that reused the pid.
     *
     * @param pid the child to wait for
     * @throws dev.jfork.ErrnoException e.g. {@code ECHILD} when {@code pid} is not a child of this process
     */
    void awaitExitWithoutReaping(int pid);

    /**
     * {@code kill(2)}.
     *
     * @param pid the process to signal
     * @param signal the signal number; 0 only checks that the process exists
     */
    void kill(int pid, int signal);

    /**
     * {@code pipe2(2)} with {@code O_CLOEXEC}: a pipe whose ends close on {@code exec}.
     * {@link #dup2(int, int)} clears the flag on the copy, as in C.
     *
     * @return {@code {readEnd, writeEnd}}
     */
    int[] pipe();

    /**
     * {@code read(2)} into the start of {@code buffer}.
     *
     * @param fd the file descriptor
     * @param buffer where the bytes go, from index 0
     * @param length at most this many bytes
     * @return the number of bytes read, 0 at end of file
     */
    int read(int fd, byte[] buffer, int length);

    /**
     * {@code write(2)} from the start of {@code buffer}.
     *
     * @param fd the file descriptor
     * @param buffer the bytes, from index 0
     * @param length how many bytes to write
     * @return the number of bytes written, which may be fewer than {@code length}
     */
    int write(int fd, byte[] buffer, int length);

    /**
     * {@code close(2)}.
     *
     * @param fd the file descriptor
     */
    void close(int fd);

    /**
     * {@code open(2)}: the parent opens the file a child's stdin, stdout or stderr is redirected to
     * or from ({@link dev.jfork.ForkOptions}), always with {@link OpenFlags#O_CLOEXEC}. A default so
     * that a backend written before it still compiles; every backend of jfork's implements it.
     *
     * @param path the file's path; no NUL
     * @param flags {@link OpenFlags#O_RDONLY} or {@link OpenFlags#O_WRONLY}, with
     *     {@link OpenFlags#O_CREAT}, {@link OpenFlags#O_TRUNC}, {@link OpenFlags#O_APPEND},
     *     {@link OpenFlags#O_CLOEXEC}; passed to the kernel unchanged
     * @param mode the permissions of a file created (before the umask), e.g. {@code 0666}
     * @return the new descriptor
     * @throws dev.jfork.ErrnoException {@code open(<path>, <flags>) failed: ENOENT ...} and the like
     * @throws UnsupportedOperationException when this backend cannot open files
     */
    default int open(String path, int flags, int mode) {
        throw new UnsupportedOperationException("the " + name() + " backend has no open(): a child's stdio"
            + " cannot be redirected to or from a file with it (implement ProcessForker.open)");
    }

    /**
     * {@code dup2(2)}.
     *
     * @param oldFd the descriptor to copy
     * @param newFd the number the copy gets
     */
    void dup2(int oldFd, int newFd);

    /**
     * {@code execv(3)}. Returns only by throwing.
     *
     * @param path the program's path
     * @param argv the arguments, {@code argv[0]} included
     */
    void execv(String path, String[] argv);

    /**
     * {@code execvp(3)}: like {@link #execv} but searches {@code PATH}. Returns only by throwing.
     *
     * @param file the program, searched in {@code PATH} when it has no slash
     * @param argv the arguments, {@code argv[0]} included
     */
    void execvp(String file, String[] argv);

    /**
     * {@code alarm(2)}: delivers SIGALRM to this process after {@code seconds}; 0 cancels.
     *
     * @param seconds the delay in seconds
     * @return the seconds that were left on the previous alarm
     */
    int alarm(int seconds);

    /**
     * Sets the disposition of {@code signal} back to its default action ({@code SIG_DFL}) in this
     * process. A forked JVM child needs this for SIGTERM, SIGINT and SIGHUP: the inherited JVM
     * handlers only wake a thread that does not exist in the child.
     *
     * @param signal the signal number
     */
    void resetSignal(int signal);

    /**
     * {@code prctl(PR_SET_PDEATHSIG, signal)}: this process gets {@code signal} when the thread that
     * forked it ends. jfork's children ask for SIGKILL, so that none outlives a parent that was killed.
     *
     * @param signal the signal number, 0 to clear
     */
    void setParentDeathSignal(int signal);

    /**
     * Marks every descriptor from {@code lowestFd} up as close-on-exec
     * ({@code close_range(lowestFd, ~0U, CLOSE_RANGE_CLOEXEC)}), so that an {@code exec} keeps only
     * what is below it.
     *
     * @param lowestFd the first descriptor to mark
     */
    void closeOnExecFrom(int lowestFd);
}
