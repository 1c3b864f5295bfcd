package dev.jfork;

import dev.jfork.internal.child.ChildRuntime;
import dev.jfork.internal.launch.ChildLife;
import dev.jfork.internal.launch.ChildWatch;
import dev.jfork.internal.launch.DeadlockWatch;
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
 * {@code destroy} nor the watchdog can reach a process that reused the pid. On Linux 5.3 and later
 * every signal goes through the child's pidfd ({@code pidfd_send_signal}), which can only reach this
 * process; and a wait that fails with {@code ECHILD} (someone else reaped it: a {@code waitpid(-1)}
 * in a library, or SIGCHLD ignored) ends it as {@link ChildEnd.Kind#UNKNOWN}, after which it is never
 * signalled again: {@link #waitFor()} returns 0, as the JDK's {@code Process} does then.
 */
public final class ForkedProcess extends Process {
    /** Exit code of a child whose task threw (after its stack trace went to fd 2); 70 is EX_SOFTWARE. */
    public static final int EXIT_UNCAUGHT = ChildRuntime.EXIT_UNCAUGHT;
    /** Exit code of an exec child whose exec failed. */
    public static final int EXIT_EXEC_FAILED = ChildRuntime.EXIT_EXEC_FAILED;

    private final int pid;
    private final Duration deadline;
    private final OutputStream stdin;
    private final InputStream stdout;
    private final InputStream stderr;
    /** Its reaper, its watch and its signals, under the lock that keeps a signal from a reused pid. */
    private final ChildLife life;

    ForkedProcess(ProcessForker backend, int pid, int pidfd, Duration deadline, boolean alarmArmed,
                  OutputStream stdin, InputStream stdout, InputStream stderr) {
        this.pid = pid;
        this.deadline = deadline;
        this.stdin = stdin != null ? stdin : ProcessNullStreams.OUTPUT;
        this.stdout = stdout != null ? stdout : ProcessNullStreams.INPUT;
        this.stderr = stderr != null ? stderr : ProcessNullStreams.INPUT;
        this.life = new ChildLife(backend, ChildEnd::of, pid, pidfd, deadline, alarmArmed, this.stdin, this.stdout,
            this.stderr);
    }

    /** Starts the reaper and the watchdog; called once, right after the fork. */
    void watch(boolean javaChild) {
        watch(javaChild, true);
    }

    /**
     * Starts the deadline and deadlock watch and, with {@code reaper}, a reaper thread; without it, the
     * caller reaps with {@link #reapNow()} (see {@link ChildLife#watch}).
     */
    void watch(boolean javaChild, boolean reaper) {
        life.watch(javaChild, reaper);
    }

    /**
     * Runs {@code action} once the child is reaped, on the reaper (under the fork lock): for jfork's own
     * bookkeeping, which must be short; users' continuations go through {@link #onExit()}.
     */
    void whenReaped(Runnable action) {
        life.end().whenComplete((ended, failure) -> action.run());
    }

    /**
     * Waits for the end and reaps, in the calling thread; for a child watched without a reaper.
     *
     * @return how it ended
     * @throws InterruptedException never in practice: the end is complete once reaped
     */
    ChildEnd reapNow() throws InterruptedException {
        life.reap();
        return awaitEnd();
    }

    /**
     * How long after its start a child that {@link ChildEnd.Kind#DEADLOCKED deadlocked} was found so.
     *
     * @return milliseconds, or -1 when it did not deadlock
     */
    public long deadlockedAfterMillis() {
        return life.deadlockedAfterMillis();
    }

    /**
     * What a child that {@link ChildEnd.Kind#DEADLOCKED deadlocked} was waiting in, and what to do about
     * it, when jfork could tell from the lock it slept on and its stack (for example "in System.exit or
     * Runtime.halt, ..." or "in Object.wait(): ..."): read before it was killed.
     *
     * @return the cause, or empty when it did not deadlock or the cause is not known
     */
    public Optional<String> deadlockCause() {
        return Optional.ofNullable(life.deadlockCause());
    }

    /** For a failure: found deadlocked {@code afterMillis} after {@code since} (a pool task's start), and why. */
    String deadlockReport(long afterMillis, String since) {
        return life.deadlockReport(afterMillis, since);
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
            return deadlockReport(life.deadlockedAfterMillis(), "it started");
        }
        String state = ended.hung() ? life.hangState() : null;
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
        return life.killAtDeadline(limit);
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
        CompletableFuture<ChildEnd> end = life.end();
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
            return life.end().get();
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
            life.end().get(timeout, unit);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (ExecutionException e) {
            throw new IllegalStateException("jfork could not reap child " + pid + ": " + e.getCause(), e.getCause());
        }
    }

    @Override
    public int exitValue() {
        if (!life.end().isDone()) {
            throw new IllegalThreadStateException("child " + pid + " has not ended");
        }
        return life.end().join().exitValue();
    }

    @Override
    public boolean isAlive() {
        return !life.end().isDone();
    }

    @Override
    public void destroy() {
        life.signal(Signals.SIGTERM);
    }

    @Override
    public ForkedProcess destroyForcibly() {
        life.signal(Signals.SIGKILL);
        return this;
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    /**
     * Completes when the child has ended and been reaped, on a thread of its own: a continuation runs
     * there, never on one of jfork's reaper threads (which every fork waits to be idle).
     *
     * @return a new future for this process
     */
    @Override
    public CompletableFuture<Process> onExit() {
        return life.end().handleAsync((e, failure) -> (Process) this, ChildWatch.CALLBACKS);
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
        ProcessHandle handle = life.handle();
        return handle != null ? handle : new EndedChildHandle(pid);
    }

    @Override
    public String toString() {
        return "ForkedProcess[pid=" + pid + ", " + end().map(e -> e.kind() == ChildEnd.Kind.DEADLOCKED
            ? e.describe(deadline) + deadlockCause().map(cause -> " (" + cause + ")").orElse("")
            : endReport(e, deadline))
            .orElse(isAlive() ? "running" : "not reaped") + "]";
    }
}
