package dev.jfork.internal.launch;

import dev.jfork.ErrnoException;
import dev.jfork.Signals;
import dev.jfork.internal.child.ExecErrors;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.internal.vm.HangDiagnostics;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.time.Duration;

/**
 * The parent's side of a new child's start, as one small state machine. The child, set up, sends a
 * start byte and then waits for the parent's commit byte before it runs anything of the user's.
 * <ul>
 *   <li>{@code WAITING} to {@code COMMITTED}: the start byte came in time; the commit byte is sent
 *       and the child runs its task (or execs). From here it is never killed by the handshake.</li>
 *   <li>{@code WAITING} to {@code KILLED}: the timer fired first; the child is killed. Whether or not
 *       its start byte was already on its way, it had not been committed, so it ran nothing of the
 *       user's and forking it again cannot run the task twice.</li>
 * </ul>
 * Both transitions are taken under one lock, so the kill decision and the start byte's arrival are one
 * atomic step. The child is not reaped before this returns, so the killer never signals a reused pid.
 */
final class StartHandshake {
    private static final byte[] COMMIT = {'R'};

    private enum State { WAITING, COMMITTED, KILLED }

    final boolean started;
    final int execErrno;

    private StartHandshake(boolean started, int execErrno) {
        this.started = started;
        this.execErrno = execErrno;
    }

    /**
     * Waits for the start byte, then commits or kills; closes both descriptors.
     *
     * @param backend the backend
     * @param pid the child
     * @param pidfd its pidfd, or -1: the kill goes through it
     * @param startFd the read end of the child's start pipe
     * @param goFd the write end of the child's go pipe (the commit byte goes there)
     * @param millis how long the child has to send its start byte
     * @param execChild whether the child then execs, with its errno on the start pipe if that fails
     * @return whether it started, and an exec child's errno
     */
    static StartHandshake await(ProcessForker backend, int pid, int pidfd, int startFd, int goFd, long millis, boolean execChild) {
        Object lock = new Object();
        State[] state = {State.WAITING};
        Runnable kill = () -> {
            // decided, diagnosed and killed under the lock: however long gdb takes, the reader then
            // sees that this child was killed, and never commits it
            synchronized (lock) {
                if (state[0] == State.WAITING) {
                    state[0] = State.KILLED;
                    HangDiagnostics.printNativeStacks(pid, "sent no start byte within " + millis + " ms");
                    // through its pidfd: reaped by someone else meanwhile, its pid may be another's
                    ChildPidfd.signal(backend, pid, pidfd, Signals.SIGKILL);
                }
            }
        };
        // the timeout, and a child deadlocked before its start byte (a safepoint in flight at the fork),
        // are both seen by the poller, which runs only between forks
        DeadlockWatch.Watched watched = DeadlockWatch.watch(pid, (afterMillis, cause) -> kill.run(), Duration.ofMillis(millis),
            kill);
        boolean goOpen = true;
        try (FdInputStream in = new FdInputStream(backend, startFd)) {
            int first = in.read();
            synchronized (lock) {
                if (state[0] == State.KILLED || first < 0) {
                    // also when the child died on its own: the killer must not signal it once reaped
                    state[0] = State.KILLED;
                    return new StartHandshake(false, 0);
                }
                state[0] = State.COMMITTED;
            }
            DeadlockWatch.unwatch(watched);
            try {
                backend.write(goFd, COMMIT, 1);
            } catch (ErrnoException e) {
                // EPIPE: the child died after its start byte, before running anything; its end says how
            }
            goOpen = false;
            OwnedFds.close(backend, goFd);
            if (!execChild) {
                return new StartHandshake(true, 0);
            }
            // an exec child's pipe closes on a successful exec, or carries its errno
            byte[] errno = in.readNBytes(4);
            return new StartHandshake(true, errno.length == 4 ? ExecErrors.decode(errno, 0) : 0);
        } catch (IOException e) {
            throw new IllegalStateException("jfork: reading child " + pid + "'s start byte failed: " + e, e);
        } finally {
            DeadlockWatch.unwatch(watched);
            if (goOpen) {
                // once, and never by number after that: another thread may hold the number by now
                OwnedFds.closeQuietly(backend, goFd);
            }
        }
    }
}
