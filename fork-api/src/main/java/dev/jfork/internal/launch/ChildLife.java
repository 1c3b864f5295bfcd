package dev.jfork.internal.launch;

import dev.jfork.ChildEnd;
import dev.jfork.ErrnoException;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.internal.call.CallResults;
import dev.jfork.internal.io.ChildPipes;
import dev.jfork.internal.vm.HangDiagnostics;
import dev.jfork.spi.ProcessForker;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * One child's life as the parent sees it, behind jfork's {@code ForkedProcess}: its reaper, its
 * deadline and deadlock watch, and the signals sent to it. Signals are sent only while the pid is still
 * this child's: the reaper waits with {@code waitid(WNOWAIT)}, which leaves the ended child unreaped,
 * and reaps it under {@link #pidLock}, the lock the signals take, so neither {@code destroy} nor the
 * watchdog can reach a process that reused the pid.
 */
public final class ChildLife {
    /** Makes the end that the handle reports ({@code ChildEnd.of}), from what the reap and the watch saw. */
    @FunctionalInterface
    public interface Ending {
        /**
         * @param status the wait status
         * @param hung whether the watchdog killed it at its deadline
         * @param deadlocked whether the deadlock watch killed it
         * @param alarmArmed whether the child armed its own alarm
         * @return its end
         */
        ChildEnd of(WaitStatus status, boolean hung, boolean deadlocked, boolean alarmArmed);
    }

    private final ProcessForker backend;
    private final Ending ending;
    private final int pid;
    /** The child's pidfd ({@link ChildPidfd}), or -1; closed under {@link #pidLock} when it is reaped. */
    private final int pidfd;
    private final Duration deadline;
    private final boolean alarmArmed;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    private final CompletableFuture<ChildEnd> end = new CompletableFuture<>();
    private volatile boolean watchdogKilled;
    private volatile boolean deadlockKilled;
    private volatile long deadlockedAfterMillis;
    private volatile String deadlockCause;
    /** What it was doing when its deadline passed ({@link HangState}), or null. */
    private volatile String hangState;
    private volatile DeadlockWatch.Watched deadlockWatch;
    /** Guards {@link #reaped}: a signal is sent only while the pid is still this child's. */
    private final Object pidLock = new Object();
    private boolean reaped;
    /** This child's handle, taken while its pid was surely its own (before the reap). */
    private ProcessHandle handle;

    /**
     * @param backend the unguarded backend
     * @param ending makes its end
     * @param pid the child
     * @param pidfd its pidfd, or -1
     * @param deadline its deadline, or null
     * @param alarmArmed whether the child armed its own {@code alarm}
     * @param stdin the parent's end of its stdin (what is left is taken when it ends)
     * @param stdout the parent's end of its stdout
     * @param stderr the parent's end of its stderr
     */
    public ChildLife(ProcessForker backend, Ending ending, int pid, int pidfd, Duration deadline, boolean alarmArmed,
                     OutputStream stdin, InputStream stdout, InputStream stderr) {
        this.backend = backend;
        this.ending = ending;
        this.pid = pid;
        this.pidfd = pidfd;
        this.deadline = deadline;
        this.alarmArmed = alarmArmed;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /** @return the future of its end, completed once it is reaped */
    public CompletableFuture<ChildEnd> end() {
        return end;
    }

    /**
     * Starts the deadline and deadlock watch and, with {@code reaper}, a reaper thread; without it, the
     * caller reaps with {@link #reap()} (a {@code call}, whose result reader does it: one of jfork's
     * threads wakes per call rather than two).
     *
     * @param javaChild whether the child runs Java (its deadlock is watched)
     * @param reaper whether a reaper thread reaps it
     */
    public void watch(boolean javaChild, boolean reaper) {
        if (javaChild || deadline != null) {
            // the parent kills at the deadline; the child's own alarm, a second later, is the backstop
            deadlockWatch = DeadlockWatch.watch(pid, javaChild ? this::deadlocked : null, deadline,
                () -> deadlinePassed(deadline));
        }
        if (reaper) {
            Reapers.execute(this::reap);
        }
    }

    /** The child's only thread sleeps for ever on a lock: it is ended now, not at its deadline. */
    private void deadlocked(long afterMillis, String cause) {
        HangDiagnostics.printNativeStacks(pid, "deadlocked " + afterMillis + " ms after it started");
        synchronized (pidLock) {
            if (!reaped) {
                deadlockedAfterMillis = afterMillis;
                deadlockCause = cause;
                deadlockKilled = true;
                sendSignal(Signals.SIGKILL);
            }
        }
    }

    /** @return milliseconds after its start it was found deadlocked, or -1 when it did not deadlock */
    public long deadlockedAfterMillis() {
        return deadlockKilled ? deadlockedAfterMillis : -1;
    }

    /** @return what a deadlocked child waited in, or null when it did not deadlock or that is not known */
    public String deadlockCause() {
        return deadlockKilled ? deadlockCause : null;
    }

    /**
     * For a failure: found deadlocked {@code afterMillis} after {@code since} (a pool task's start), and why.
     *
     * @param afterMillis when it was found deadlocked
     * @param since what the time runs from
     * @return the description
     */
    public String deadlockReport(long afterMillis, String since) {
        String cause = deadlockCause;
        return " " + afterMillis + " ms after " + since + (cause != null
            ? ", " + cause + "; the task gave no result"
            : "; the task gave no result. " + CallResults.DEADLOCK_CAUSES);
    }

    /** @return what it was doing when the watchdog killed it at its deadline ({@link HangState}), or null */
    public String hangState() {
        return watchdogKilled ? hangState : null;
    }

    /**
     * Kills this child, reported as hung, when {@code limit} has passed from now and it has not ended.
     *
     * @param limit the time it has
     * @return the watch, to end with {@link DeadlockWatch#unwatch} when the task is done in time
     */
    public DeadlockWatch.Watched killAtDeadline(Duration limit) {
        return DeadlockWatch.watch(pid, null, limit, () -> deadlinePassed(limit));
    }

    private void deadlinePassed(Duration limit) {
        if (!end.isDone()) {
            HangDiagnostics.printNativeStacks(pid, "outlived its deadline of " + limit.toMillis() + " ms");
            synchronized (pidLock) {
                if (!reaped) {
                    hangState = HangState.of(pid);
                    watchdogKilled = true;
                    sendSignal(Signals.SIGKILL);
                }
            }
        }
    }

    /**
     * Waits for the end without reaping, then reaps under {@link #pidLock}: until then the pid cannot be
     * reused, so a signal never reaches a stranger. Completes {@link #end()}.
     */
    public void reap() {
        boolean elsewhere = false;
        try {
            backend.awaitExitWithoutReaping(pid);
        } catch (Throwable t) { // ECHILD: it ended and someone else reaped it; any other failure is jfork's
            if (!ChildPidfd.reapedElsewhere(t)) {
                end.completeExceptionally(t);
                return;
            }
            elsewhere = true;
        }
        // the rest is Java work, done while no fork is being made (see Reapers)
        boolean reapedElsewhere = elsewhere;
        ForkLauncher.whileNoFork(() -> reapEnded(reapedElsewhere));
    }

    private void reapEnded(boolean reapedElsewhere) {
        int raw = WaitStatus.UNKNOWN.raw();
        try {
            DeadlockWatch.unwatch(deadlockWatch);
            synchronized (pidLock) {
                try {
                    // a zombie, so the handle is this child's: unless someone else reaped it meanwhile
                    ProcessHandle zombie = handle != null || reapedElsewhere ? null : ProcessHandle.of(pid).orElse(null);
                    raw = reapedElsewhere ? raw : ChildPidfd.reap(backend, pid, -1);
                    handle = zombie != null && !WaitStatus.of(raw).unknown() ? zombie : handle;
                } finally {
                    // whatever the wait said, the pid is no longer surely this child's: no signal from now on
                    reaped = true;
                    ChildPidfd.close(backend, pidfd);
                }
            }
            end.complete(ending.of(WaitStatus.of(raw), watchdogKilled, deadlockKilled, alarmArmed));
            // as java.lang.Process does: what is there is taken, the rest stays readable (ChildPipes)
            ChildPipes.childEnded(stdin, stdout, stderr);
        } catch (Throwable t) {
            end.completeExceptionally(t);
        }
    }

    /**
     * Sends {@code signal} unless the child was reaped.
     *
     * @param signal the signal number
     */
    public void signal(int signal) {
        synchronized (pidLock) {
            if (!reaped) {
                sendSignal(signal);
            }
        }
    }

    private void sendSignal(int signal) {
        try {
            // false (ESRCH): reaped by someone else, and its pidfd kept the signal from a stranger
            ChildPidfd.signal(backend, pid, pidfd, signal);
        } catch (ErrnoException unexpected) {
            throw new IllegalStateException("jfork: signal " + signal + " to child " + pid + " failed: "
                + unexpected.getMessage(), unexpected);
        }
    }

    /**
     * This child's {@link ProcessHandle}, taken now if it was not reaped yet.
     *
     * @return the handle, or null once it was reaped without one
     */
    public ProcessHandle handle() {
        synchronized (pidLock) {
            if (handle == null && !reaped) {
                handle = ProcessHandle.of(pid).orElse(null);
            }
            return handle;
        }
    }
}
