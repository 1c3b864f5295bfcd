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

    /**
     * {@code pidfd_open(pid, 0)} (Linux 5.3 and later): a descriptor that refers to the process
     * {@code pid} itself, not to its number, so that a signal sent through it
     * ({@link #pidfdSendSignal}) can only reach that process, even after it was reaped by someone else
     * and its pid reused. The descriptor is close-on-exec. jfork holds one for each child from its fork
     * to its reap. A default, so that a backend written before it still compiles; without it jfork
     * signals by pid, and only while it has not seen the child reaped.
     *
     * @param pid the process, which must exist
     * @return the new descriptor
     * @throws dev.jfork.ErrnoException {@code ENOSYS} on a kernel before 5.3, {@code ESRCH} when no such process
     * @throws UnsupportedOperationException when this backend has no pidfd calls
     */
    default int pidfdOpen(int pid) {
        throw new UnsupportedOperationException("the " + name() + " backend has no pidfd_open");
    }

    /**
     * {@code pidfd_send_signal(pidfd, signal, NULL, 0)}: signals the process that {@code pidfd} refers
     * to, never another that took its pid.
     *
     * @param pidfd a descriptor from {@link #pidfdOpen(int)}
     * @param signal the signal number
     * @throws dev.jfork.ErrnoException {@code ESRCH} when that process has ended and been reaped
     * @throws UnsupportedOperationException when this backend has no pidfd calls
     */
    default void pidfdSendSignal(int pidfd, int signal) {
        throw new UnsupportedOperationException("the " + name() + " backend has no pidfd_send_signal");
    }

    /**
     * Whether {@code signal}'s disposition in this process is {@code SIG_IGN}. jfork asks it for
     * SIGCHLD at each fork: ignored, the kernel reaps children itself and no wait can learn how one
     * ended. The default reads the {@code SigIgn} mask of {@code /proc/self/status}; a backend may
     * answer with {@code sigaction(signal, NULL, &old)}.
     *
     * @param signal the signal number, 1 to 64
     * @return true when it is ignored
     */
    default boolean signalIgnored(int signal) {
        return dev.jfork.internal.launch.SigchldCheck.ignoredInThisProcess(signal);
    }

    /**
     * {@code poll} of one descriptor: {@code struct pollfd {fd, events}}, retried on {@code EINTR}.
     * jfork polls with a timeout of 0, to take at a child's end only what is already in its pipes.
     *
     * @param fd the descriptor
     * @param events the events asked for, such as {@link #POLLIN}
     * @param timeoutMillis how long to wait; 0 returns at once, -1 waits for ever
     * @return the events that happened ({@code revents}), such as {@link #POLLIN} or {@link #POLLHUP};
     *     0 when none did in time
     * @throws UnsupportedOperationException when this backend has no poll
     */
    default int poll(int fd, int events, int timeoutMillis) {
        throw new UnsupportedOperationException("the " + name() + " backend has no poll");
    }

    /** {@code poll} event: there is data to read (or, with {@link #POLLHUP}, the end of file). */
    int POLLIN = 0x001;
    /** {@code poll} event: the descriptor is in error. */
    int POLLERR = 0x008;
    /** {@code poll} event: the other end was closed; a pipe's read end then reads what is left, then 0. */
    int POLLHUP = 0x010;
    /** {@code poll} event: the descriptor is not open. */
    int POLLNVAL = 0x020;

    /**
     * In a forked child of a HotSpot JVM: starts its VM thread again, so that the child can collect
     * garbage, deoptimise and reach safepoints ({@code -Dfork.childRuntime=vm}, see
     * {@link dev.jfork.ChildRuntimeReport}). First, for every HotSpot {@code Mutex} at {@code mutexes}
     * whose owner word (its first) is null, it checks that the {@code pthread_mutex_t} at
     * {@code layout[0]} and the {@code pthread_cond_t} at {@code layout[1]} bytes into it have HotSpot's
     * attributes, that {@code VMThread::_vm_thread} (at {@code layout[2]}) is set, and that each word
     * named after the first {@link VmThreadRevival#LAYOUT_WORDS} (pairs: address, size 4 or 8) is 0
     * (no VM operation, no safepoint at the fork); only then, when
     * {@code start} is true, it renews those mutexes and condition variables and starts a thread that
     * runs {@code Thread::initialize_thread_current()} ({@code layout[3]}),
     * {@code Thread::record_stack_base_and_size()} ({@code layout[4]}) and {@code VMThread::loop()}
     * ({@code layout[5]}) on that VM thread object, and waits until that thread sleeps on the condition
     * variable at {@code layout[6]} ({@code VMOperation_lock}'s; 0: no wait). Before it starts anything,
     * in a child, it checks that every Java thread is blocked or in native code (the thread list's address
     * at {@code layout[7]}, {@code ThreadsList}'s length and array offsets at {@code [8]} and {@code [9]},
     * {@code JavaThread}'s state offset {@code [10]}, its frame anchor's stack and pc offsets {@code [11]}
     * and {@code [12]}, the states {@code _thread_in_native} {@code [13]} and {@code _thread_blocked}
     * {@code [14]}, all from HotSpot's {@code gHotSpotVMStructs}). With {@code start} false it writes
     * nothing and looks at no thread (a parent asks so). A default, so that a backend written before it still
     * compiles: jni implements it in its C; the others bind {@link #threadStartCalls()}, and jfork makes the
     * same steps of those calls.
     *
     * @param mutexes the addresses of HotSpot's mutexes
     * @param layout {@link VmThreadRevival#LAYOUT_WORDS} words, then pairs, as above
     * @param start false to check only, true (in a child only) to renew and start
     * @return {@link VmThreadRevival#OK}, or the check that failed ({@link VmThreadRevival#check(int)});
     *     this default returns {@link VmThreadRevival#UNSUPPORTED} in the high 16 bits
     */
    default int startVmThread(long[] mutexes, long[] layout, boolean start) {
        return VmThreadRevival.UNSUPPORTED << 16;
    }

    /**
     * The libc calls with which jfork starts HotSpot's VM thread in a child itself, for a backend whose
     * {@link #startVmThread} is this interface's default ({@link VmThreadRevival#UNSUPPORTED}). A default,
     * so that a backend written before it still compiles: none.
     *
     * @return the backend's {@link ThreadStartCalls}, or null
     */
    default ThreadStartCalls threadStartCalls() {
        return null;
    }
}
