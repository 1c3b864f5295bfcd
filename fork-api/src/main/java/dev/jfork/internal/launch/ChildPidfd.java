package dev.jfork.internal.launch;

import dev.jfork.ErrnoException;
import dev.jfork.WaitStatus;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.spi.ProcessForker;

/**
 * A child's pidfd ({@code pidfd_open}, Linux 5.3 and later), held by jfork from the child's fork to its
 * reap, so that every signal jfork sends it (destroy, the watchdog, a deadlock, a discard) goes through
 * {@code pidfd_send_signal} and can only reach that process: a child reaped by someone else (a
 * {@code waitpid(-1)} in a library, or the kernel while SIGCHLD was ignored) answers {@code ESRCH},
 * and a process that took its pid is never touched. The pidfd is one of jfork's owned descriptors
 * ({@link OwnedFds}), so forked children close it. Where there is no pidfd (an older kernel, a backend
 * without the calls, a seccomp filter) jfork signals by pid, and only while no wait has said the child
 * is gone.
 */
public final class ChildPidfd {
    private static final int ESRCH = 3;
    private static final int ECHILD = 10;
    /** Cleared at the first sign that pidfds cannot be had here; then no more are asked for. */
    private static volatile boolean available = true;

    private ChildPidfd() {
    }

    /**
     * Opens the pidfd of a child just forked; the caller holds {@link OwnedFds#LOCK} (the fork's).
     *
     * @param backend the backend
     * @param pid the child
     * @return the pidfd, or -1 when there is none
     */
    static int openUnderLock(ProcessForker backend, int pid) {
        if (!available) {
            return -1;
        }
        try {
            int fd = backend.pidfdOpen(pid);
            OwnedFds.markUnderLock(fd);
            return fd;
        } catch (UnsupportedOperationException e) {
            available = false;
        } catch (ErrnoException e) {
            if (e.errno() != ESRCH) {
                // ENOSYS (before Linux 5.3), EPERM or ENOSYS from a seccomp filter: signal by pid
                available = false;
            }
        }
        return -1;
    }

    /**
     * Opens the pidfd of a child just started.
     *
     * @param backend the backend
     * @param pid the child
     * @return the pidfd, or -1 when there is none
     */
    static int open(ProcessForker backend, int pid) {
        if (!available) {
            return -1;
        }
        OwnedFds.LOCK.lock();
        try {
            return openUnderLock(backend, pid);
        } finally {
            OwnedFds.LOCK.unlock();
        }
    }

    /**
     * Signals a child not yet reaped by jfork: through its pidfd when it has one, else by pid.
     *
     * @param backend the backend
     * @param pid the child
     * @param pidfd its pidfd, or -1
     * @param signal the signal
     * @return false when the child is gone ({@code ESRCH}: reaped by someone else)
     * @throws ErrnoException when the signal fails otherwise
     */
    public static boolean signal(ProcessForker backend, int pid, int pidfd, int signal) {
        try {
            if (pidfd >= 0) {
                backend.pidfdSendSignal(pidfd, signal);
            } else {
                backend.kill(pid, signal);
            }
            return true;
        } catch (ErrnoException e) {
            if (e.errno() == ESRCH) {
                return false;
            }
            throw e;
        }
    }

    /**
     * Whether a wait's failure says the child was reaped by someone else ({@code ECHILD}): it has
     * ended, and how is not known.
     *
     * @param failure what the wait threw
     * @return true for {@code ECHILD}
     */
    public static boolean reapedElsewhere(Throwable failure) {
        return failure instanceof ErrnoException && ((ErrnoException) failure).errno() == ECHILD;
    }

    /**
     * Reaps a child that has ended or been killed, and closes its pidfd.
     *
     * @param backend the backend
     * @param pid the child
     * @param pidfd its pidfd, or -1
     * @return its raw wait status; {@link WaitStatus#UNKNOWN}'s when someone else reaped it ({@code ECHILD})
     */
    public static int reap(ProcessForker backend, int pid, int pidfd) {
        try {
            int[] status = new int[1];
            backend.waitpid(pid, status, 0);
            return status[0];
        } catch (ErrnoException e) {
            if (reapedElsewhere(e)) {
                return WaitStatus.UNKNOWN.raw();
            }
            throw e;
        } finally {
            close(backend, pidfd);
        }
    }

    /**
     * Closes a pidfd, once the child is reaped.
     *
     * @param backend the backend
     * @param pidfd the pidfd, or -1
     */
    public static void close(ProcessForker backend, int pidfd) {
        if (pidfd >= 0) {
            OwnedFds.closeQuietly(backend, pidfd);
        }
    }
}
