package dev.jfork.jni;

/**
 * The native methods of {@code libjfork.so}, bound eagerly by its {@code JNI_OnLoad} with
 * {@code RegisterNatives}, so that no symbol is ever looked up lazily (in a forked child, say).
 *
 * <p>Every method that can fail returns {@code -errno} (a negative number) on failure, with errno
 * captured inside the same native call; the caller turns it into an {@link dev.jfork.ErrnoException}.
 * Strings arrive as NUL-terminated byte arrays made by {@link CStrings}. Callers check arguments
 * (nulls, lengths) before calling: the C side trusts them.
 */
final class NativeCalls {
    private NativeCalls() {
    }

    /** @return {@code fork()}: 0 in the child, the child's pid in the parent, or {@code -errno} */
    static native int fork();

    /** @return {@code getpid()} */
    static native int getpid();

    /** @return {@code getppid()} */
    static native int getppid();

    /**
     * {@code _exit(status)}; never returns.
     *
     * @param status the exit status
     */
    static native void _exit(int status);

    /**
     * Does nothing. Same shape as {@link #_exit(int)} ({@code static native void (int)}), so that
     * calling it in the parent warms the JVM's native-call machinery for that signature.
     *
     * @param value ignored
     */
    static native void warmUpExit(int value);

    /**
     * {@code waitpid}, retried on EINTR.
     *
     * @param pid the child
     * @param status receives the raw status in element 0 when the result is positive
     * @param options {@code WNOHANG} and friends
     * @return the pid, 0 with {@code WNOHANG} when none changed, or {@code -errno}
     */
    static native int waitpid(int pid, int[] status, int options);

    /**
     * {@code waitid(P_PID, pid, &info, WEXITED | WNOWAIT)}, retried on EINTR: the child stays unreaped.
     *
     * @param pid the child
     * @return 0 or {@code -errno}
     */
    static native int waitExitedNoReap(int pid);

    /**
     * {@code kill}.
     *
     * @param pid the target
     * @param signal the signal
     * @return 0 or {@code -errno}
     */
    static native int kill(int pid, int signal);

    /**
     * {@code pipe2(fds, O_CLOEXEC)}.
     *
     * @param fds receives {@code {readEnd, writeEnd}}
     * @return 0 or {@code -errno}
     */
    static native int pipe2(int[] fds);

    /**
     * One {@code read} of at most {@code min(length, 16 KiB)} bytes into the start of
     * {@code buffer}, through a native stack buffer (no array pinned across the blocking call).
     *
     * @param fd the descriptor
     * @param buffer the destination
     * @param length at most this many bytes
     * @return the count read, 0 at end of file, or {@code -errno}
     */
    static native int read(int fd, byte[] buffer, int length);

    /**
     * {@code write}s from the start of {@code buffer} in 16 KiB chunks through a native stack
     * buffer, stopping at the first short write.
     *
     * @param fd the descriptor
     * @param buffer the source
     * @param length how many bytes
     * @return the count written, or {@code -errno} when nothing was written
     */
    static native int write(int fd, byte[] buffer, int length);

    /**
     * {@code close}.
     *
     * @param fd the descriptor
     * @return 0 or {@code -errno}
     */
    static native int close(int fd);

    /**
     * {@code dup2}.
     *
     * @param oldFd the source
     * @param newFd the target number
     * @return {@code newFd} or {@code -errno}
     */
    static native int dup2(int oldFd, int newFd);

    /**
     * {@code open}, retried on EINTR.
     *
     * @param path the file, NUL-terminated
     * @param flags the open flags
     * @param mode the permissions of a file created
     * @return the descriptor or {@code -errno}
     */
    static native int open(byte[] path, int flags, int mode);

    /**
     * {@code execv}.
     *
     * @param path the program, NUL-terminated
     * @param argv the arguments, each NUL-terminated
     * @return {@code -errno}; returns only on failure
     */
    static native int execv(byte[] path, byte[][] argv);

    /**
     * {@code execvp}.
     *
     * @param file the program, NUL-terminated
     * @param argv the arguments, each NUL-terminated
     * @return {@code -errno}; returns only on failure
     */
    static native int execvp(byte[] file, byte[][] argv);

    /**
     * {@code alarm}.
     *
     * @param seconds the delay, not negative
     * @return the seconds left on the previous alarm
     */
    static native int alarm(int seconds);

    /**
     * {@code sigaction(signal, SIG_DFL)}.
     *
     * @param signal the signal
     * @return 0 or {@code -errno}
     */
    static native int resetSignal(int signal);

    /**
     * {@code prctl(PR_SET_PDEATHSIG, signal)}.
     *
     * @param signal the signal, 0 to clear
     * @return 0 or {@code -errno}
     */
    static native int setParentDeathSignal(int signal);

    /**
     * {@code close_range(lowestFd, ~0U, CLOSE_RANGE_CLOEXEC)} as a raw system call.
     *
     * @param lowestFd the first descriptor, not negative
     * @return 0 or {@code -errno}
     */
    static native int closeOnExecFrom(int lowestFd);

    /**
     * {@code syscall(SYS_pidfd_open, pid, 0)}.
     *
     * @param pid the process
     * @return the pidfd or {@code -errno}
     */
    static native int pidfdOpen(int pid);

    /**
     * {@code syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0)}.
     *
     * @param pidfd the process's pidfd
     * @param signal the signal
     * @return 0 or {@code -errno}
     */
    static native int pidfdSendSignal(int pidfd, int signal);

    /**
     * {@code sigaction(signal, NULL, &old)}: whether the disposition is {@code SIG_IGN}.
     *
     * @param signal the signal
     * @return 1 when ignored, 0 when not, or {@code -errno}
     */
    static native int signalIgnored(int signal);

    /**
     * {@code poll} of one descriptor, retried on {@code EINTR}.
     *
     * @param fd the descriptor
     * @param events the events asked for
     * @param timeoutMillis the timeout
     * @return {@code revents} (0 when nothing happened in time) or {@code -errno}
     */
    static native int poll(int fd, int events, int timeoutMillis);

    /**
     * {@code madvise(address, length, advice)}.
     *
     * @param address the start
     * @param length the length
     * @param advice the advice
     * @return 0 or {@code -errno}
     */
    static native int madvise(long address, long length, int advice);

    /**
     * Copies {@code bytes} to native memory, forks; the child resets signals, arms its alarm,
     * writes and {@code _exit}s without allocating or locking.
     *
     * @param fd where the child writes
     * @param bytes what it writes
     * @param exitCode its exit code after a complete write (127 after a failed one)
     * @param alarmSeconds its alarm, 0 for none
     * @return the child's pid or {@code -errno} of fork
     */
    static native int forkWriteAndExit(int fd, byte[] bytes, int exitCode, int alarmSeconds);

    /**
     * Like {@link #forkWriteAndExit}, but the child writes {@code prefix}, its pid in decimal and
     * {@code suffix}.
     *
     * @param fd where the child writes
     * @param prefix the bytes before the pid
     * @param suffix the bytes after the pid
     * @param exitCode its exit code after a complete write (127 after a failed one)
     * @param alarmSeconds its alarm, 0 for none
     * @return the child's pid or {@code -errno} of fork
     */
    static native int forkPrintPidAndExit(int fd, byte[] prefix, byte[] suffix, int exitCode, int alarmSeconds);

    /**
     * {@code posix_spawnp} with default SIGTERM/SIGINT/SIGHUP, an empty signal mask, the given
     * stdio and every descriptor from 3 up closed.
     *
     * @param argv the program and its arguments, each NUL-terminated; not empty
     * @param stdinFd the child's fd 0, or negative to inherit
     * @param stdoutFd the child's fd 1, or negative to inherit
     * @param stderrFd the child's fd 2, or negative to inherit
     * @param directory the child's working directory, NUL-terminated, or null for the parent's
     * @param environment the child's {@code NAME=value} strings, each NUL-terminated, or null for the parent's
     * @return the child's pid or {@code -errno}
     */
    static native int spawn(byte[][] argv, int stdinFd, int stdoutFd, int stderrFd, byte[] directory,
                            byte[][] environment);
}
