package dev.jfork;

import dev.jfork.internal.call.CallResults;
import dev.jfork.internal.io.ChildInputPipe;
import dev.jfork.internal.io.ChildOutputPipe;
import dev.jfork.internal.launch.ChildWatch;
import dev.jfork.internal.launch.DeadlockWatch;
import dev.jfork.internal.launch.ForkLauncher;
import dev.jfork.internal.launch.HangState;
import dev.jfork.internal.launch.Reapers;
import dev.jfork.internal.vm.HangDiagnostics;
import dev.jfork.spi.ProcessForker;
import dev.jfork.internal.io.ProcessNullStreams;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A child made by {@link Forker}, as a {@link Process}. It is reaped exactly once by jfork, whether
 * or not anyone waits for it, and its end is decoded as {@link ChildEnd}: exited, killed by a
 * signal, or hung (killed by the watchdog).
 *
 * <p>{@link #destroy()} sends SIGTERM, which a jfork child obeys: its SIGTERM disposition was reset
 * to the default before any Java ran. {@link #destroyForcibly()} sends SIGKILL. Signals are sent only
 * while the pid is still this child's: the reaper waits with {@code waitid(WNOWAIT)}, which leaves the
 * ended child unreaped, and reaps it under the same lock the signals take, so neither
 * {@code destroy} nor the watchdog can reach a process that reused the pid.
 */
public final class ForkedProcess extends Process {
    /** Exit code of a child whose task threw (after its stack trace went to fd 2); 70 is EX_SOFTWARE. */
    public static final int EXIT_UNCAUGHT = 70;
    /** Exit code of an exec child whose exec failed. */
    public static final int EXIT_EXEC_FAILED = 127;

    private final ProcessForker backend;
    private final int pid;
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

    ForkedProcess(ProcessForker backend, int pid, Duration deadline, boolean alarmArmed,
                  OutputStream stdin, InputStream stdout, InputStream stderr) {
        this.backend = backend;
        this.pid = pid;
        this.deadline = deadline;
        this.alarmArmed = alarmArmed;
        this.stdin = stdin != null ? stdin : ProcessNullStreams.OUTPUT;
        this.stdout = stdout != null ? stdout : ProcessNullStreams.INPUT;
        this.stderr = stderr != null ? stderr : ProcessNullStreams.INPUT;
    }

    /** Starts the reaper and the watchdog; called once, right after the fork. */
    void watch(boolean javaChild) {
        watch(javaChild, true);
    }

    /**
     * Starts the deadline and deadlock watch and, with {@code reaper}, a reaper thread; without it, the
     * caller reaps with {@link #reapNow()} (a {@code call}, whose result reader does it: one of jfork's
     * threads wakes per call rather than two).
     */
    void watch(boolean javaChild, boolean reaper) {
        if (javaChild || deadline != null) {
            // the parent kills at the deadline; the child's own alarm, a second later, is the backstop
            deadlockWatch = DeadlockWatch.watch(pid, javaChild ? this::deadlocked : null, deadline,
                () -> deadlinePassed(deadline));
        }
        if (reaper) {
            Reapers.execute(this::reap);
        }
    }

    /**
     * Runs {@code action} once the child is reaped, on the reaper (under the fork lock): for jfork's own
     * bookkeeping, which must be short; users' continuations go through {@link #onExit()}.
     */
    void whenReaped(Runnable action) {
        end.whenComplete((ended, failure) -> action.run());
    }

    /**
     * Waits for the end and reaps, in the calling thread; for a child watched without a reaper.
     *
     * @return how it ended
     * @throws InterruptedException never in practice: the end is complete once reaped
     */
    ChildEnd reapNow() throws InterruptedException {
        reap();
        return awaitEnd();
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

    /**
     * How long after its start a child that {@link ChildEnd.Kind#DEADLOCKED deadlocked} was found so.
     *
     * @return milliseconds, or -1 when it did not deadlock
     */
    public long deadlockedAfterMillis() {
        return deadlockKilled ? deadlockedAfterMillis : -1;
    }

    /**
     * What a child that {@link ChildEnd.Kind#DEADLOCKED deadlocked} was waiting in, and what to do about
     * it, when jfork could tell from the lock it slept on and its stack (for example "in System.exit or
     * Runtime.halt, ..." or "in Object.wait(): ..."): read before it was killed.
     *
     * @return the cause, or empty when it did not deadlock or the cause is not known
     */
    public Optional<String> deadlockCause() {
        return deadlockKilled ? Optional.ofNullable(deadlockCause) : Optional.empty();
    }

    /** For a {@code call}'s or a pool task's failure: when it was found deadlocked, and why or what may cause it. */
    String deadlockReport() {
        String cause = deadlockCause;
        return " " + deadlockedAfterMillis + " ms after it started" + (cause != null
            ? ", " + cause + "; the task gave no result"
            : "; the task gave no result. " + CallResults.DEADLOCK_CAUSES);
    }

    /**
     * How its end is told in a failure's message and in {@link #toString()}: for a deadlock, when and in
     * what; for a hang, what it was doing when its deadline passed.
     *
     * @param ended its end
     * @param limit the deadline it had, or null
     * @return the description
     */
    String endReport(ChildEnd ended, Duration limit) {
        if (ended.kind() == ChildEnd.Kind.DEADLOCKED) {
            return deadlockReport();
        }
        String state = ended.hung() && watchdogKilled ? hangState : null;
        return ended.describe(limit) + (state == null ? "" : "; " + state);
    }

    /**
     * Kills this child, reported as hung, when {@code limit} has passed from now and it has not ended; a
     * pool child's deadline runs from each task's submission.
     *
     * @param limit the time it has
     * @return the watch, to end with {@link DeadlockWatch#unwatch} when the task is done in time
     */
    DeadlockWatch.Watched killAtDeadline(Duration limit) {
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
     * reused, so {@link #destroy()} and the watchdog never signal a stranger.
     */
    private void reap() {
        try {
            backend.awaitExitWithoutReaping(pid);
        } catch (Throwable t) {
            end.completeExceptionally(t);
            return;
        }
        // the rest is Java work, done while no fork is being made (see Reapers)
        ForkLauncher.whileNoFork(this::reapEnded);
    }

    private void reapEnded() {
        int[] status = new int[1];
        try {
            DeadlockWatch.unwatch(deadlockWatch);
            synchronized (pidLock) {
                if (handle == null) {
                    // still unreaped (a zombie): the handle's start time is this child's
                    handle = ProcessHandle.of(pid).orElse(null);
                }
                backend.waitpid(pid, status, 0);
                reaped = true;
            }
            end.complete(ChildEnd.of(WaitStatus.of(status[0]), watchdogKilled, deadlockKilled, alarmArmed));
            // as java.lang.Process does: what is left is kept in memory and the descriptors released
            // (on a thread of its own: a pipe a grandchild still holds may not end); with no pipe, no
            // thread of jfork's is woken
            if (stdout instanceof ChildOutputPipe || stderr instanceof ChildOutputPipe
                || stdin instanceof ChildInputPipe) {
                ChildWatch.CALLBACKS.execute(this::releasePipes);
            }
        } catch (Throwable t) {
            end.completeExceptionally(t);
        }
    }

    private void releasePipes() {
        if (stdout instanceof ChildOutputPipe) {
            ((ChildOutputPipe) stdout).childEnded();
        }
        if (stderr instanceof ChildOutputPipe) {
            ((ChildOutputPipe) stderr).childEnded();
        }
        if (stdin instanceof ChildInputPipe) {
            ((ChildInputPipe) stdin).childEnded();
        }
    }

    @Override
    public long pid() {
        return pid;
    }

    /**
     * How the child ended, once it has.
     *
     * @return empty while it runs
     */
    public Optional<ChildEnd> end() {
        return end.isDone() && !end.isCompletedExceptionally() ? Optional.of(end.join()) : Optional.empty();
    }

    /**
     * Waits for the child to end and says how.
     *
     * @return the end
     * @throws InterruptedException if this thread is interrupted while waiting
     */
    public ChildEnd awaitEnd() throws InterruptedException {
        try {
            return end.get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("jfork could not reap child " + pid + ": " + e.getCause(), e.getCause());
        }
    }

    /**
     * The child's deadline.
     *
     * @return empty when it has none
     */
    public Optional<Duration> deadline() {
        return Optional.ofNullable(deadline);
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        return awaitEnd().exitValue();
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        try {
            end.get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("jfork could not reap child " + pid + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public int exitValue() {
        if (!end.isDone()) {
            throw new IllegalThreadStateException("child " + pid + " has not ended");
        }
        return end.join().exitValue();
    }

    @Override
    public boolean isAlive() {
        return !end.isDone();
    }

    @Override
    public void destroy() {
        signal(Signals.SIGTERM);
    }

    @Override
    public ForkedProcess destroyForcibly() {
        signal(Signals.SIGKILL);
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    private void signal(int signal) {
        synchronized (pidLock) {
            if (!reaped) {
                sendSignal(signal);
            }
        }
    }

    private void sendSignal(int signal) {
        try {
            backend.kill(pid, signal);
        } catch (ErrnoException unexpected) {
            // not reaped, so the pid is still this child's (perhaps a zombie): kill does not fail
            throw new IllegalStateException("jfork: signal " + signal + " to child " + pid + " failed: "
                + unexpected.getMessage(), unexpected);
        }
    }

    /**
     * Completes when the child has ended and been reaped, on a thread of its own: a continuation runs
     * there, never on one of jfork's reaper threads (which every fork waits to be idle).
     *
     * @return a new future for this process
     */
    @Override
    public CompletableFuture<Process> onExit() {
        return end.handleAsync((e, failure) -> (Process) this, ChildWatch.CALLBACKS);
    }

    /**
     * This child's {@link ProcessHandle}, as the JDK's {@code Process} gives it: valid for exactly this
     * child's life (it carries the child's start time), so after the child ended it answers
     * {@code isAlive() == false}, empty {@code info()} and no {@code children()}, and never reaches a
     * later process that reused the pid.
     *
     * @return the handle
     */
    @Override
    public ProcessHandle toHandle() {
        synchronized (pidLock) {
            if (handle == null && !reaped) {
                handle = ProcessHandle.of(pid).orElse(null);
            }
            if (handle != null) {
                return handle;
            }
        }
        return new EndedChildHandle(pid);
    }

    @Override
    public String toString() {
        return "ForkedProcess[pid=" + pid + ", " + end().map(e -> e.kind() == ChildEnd.Kind.DEADLOCKED
            ? e.describe(deadline) + deadlockCause().map(cause -> " (" + cause + ")").orElse("")
            : endReport(e, deadline))
            .orElse(isAlive() ? "running" : "not reaped") + "]";
    }
}
