package dev.jfork;

import java.time.Duration;

/**
 * How a forked child ended: it exited with a code, a signal killed it, it hung and the watchdog
 * killed it, it deadlocked and jfork killed it at once, or it ended in a way nobody can tell (it was
 * reaped by someone else).
 *
 * @param kind which of these
 * @param exitCode the exit code when {@link Kind#EXITED}, otherwise -1
 * @param signal the signal that ended it when {@link Kind#SIGNALED} or {@link Kind#HUNG}, otherwise 0
 * @param status the raw decoded wait status
 */
public record ChildEnd(Kind kind, int exitCode, int signal, WaitStatus status) {

    /** The ways a child ends. */
    public enum Kind {
        /** It called {@code _exit} (or {@code exit}). */
        EXITED,
        /** A signal that the watchdog did not send killed it: a user's {@code destroy}, a crash. */
        SIGNALED,
        /** It outlived its deadline, and the watchdog's SIGKILL or its own SIGALRM ended it. */
        HUNG,
        /**
         * Its only thread slept for ever on a lock that only a thread which does not exist in a child
         * could release (a GC, a class first loaded in the child, a lock held at the fork, a wait
         * nobody can end), and jfork ended it with SIGKILL as soon as it saw that, not at its deadline.
         * A child that started threads of its own is so when all of them wait for ever.
         * {@link ForkedProcess#deadlockCause()} says what it waited in, when jfork could tell.
         */
        DEADLOCKED,
        /**
         * It ended, but someone else reaped it, so its status is lost: a library in this JVM called
         * {@code waitpid(-1)} (or {@code wait()}), or SIGCHLD was ignored when it ended and the kernel
         * reaped it (jfork sets SIGCHLD back to its default at each fork, with a warning, but it may be
         * ignored again later). Every wait then fails with {@code ECHILD}; jfork takes that as the end,
         * as the JDK's {@code Process} does, and signals it never again. {@link #exitValue()} is 0, as
         * {@code Process.exitValue()} answers after {@code ECHILD}; {@link #exitCode()} is -1 and
         * {@link #status()} is {@link WaitStatus#UNKNOWN}. A {@code call} whose result had arrived
         * returns it.
         */
        UNKNOWN
    }

    /** A child reaped by someone else ({@link Kind#UNKNOWN}). */
    static final ChildEnd REAPED_ELSEWHERE = new ChildEnd(Kind.UNKNOWN, -1, 0, WaitStatus.UNKNOWN);

    static ChildEnd of(WaitStatus status, boolean watchdogKilled, boolean deadlockKilled, boolean alarmArmed) {
        if (status.unknown()) {
            return REAPED_ELSEWHERE;
        }
        if (status.exited()) {
            return new ChildEnd(Kind.EXITED, status.exitCode(), 0, status);
        }
        int signal = status.termSignal();
        if (deadlockKilled && signal == Signals.SIGKILL) {
            return new ChildEnd(Kind.DEADLOCKED, -1, signal, status);
        }
        boolean hung = (watchdogKilled && signal == Signals.SIGKILL) || (alarmArmed && signal == Signals.SIGALRM);
        return new ChildEnd(hung ? Kind.HUNG : Kind.SIGNALED, -1, signal, status);
    }

    /**
     * The value {@link Process#exitValue()} reports: the exit code, or 128 + the signal; 0 when the
     * status is not known ({@link Kind#UNKNOWN}), as the JDK's {@code Process} reports then.
     *
     * @return the shell-style code
     */
    public int exitValue() {
        return kind == Kind.EXITED ? exitCode : kind == Kind.UNKNOWN ? 0 : 128 + signal;
    }

    /**
     * Whether the child hung and the watchdog ended it.
     *
     * @return true when {@link #kind()} is {@link Kind#HUNG}
     */
    public boolean hung() {
        return kind == Kind.HUNG;
    }

    String describe(Duration deadline) {
        switch (kind) {
            case EXITED:
                return "exited with code " + exitCode;
            case UNKNOWN:
                return "ended, status unknown: someone else reaped it (a waitpid(-1) in this JVM, or SIGCHLD"
                    + " ignored), so every wait failed with ECHILD";
            case DEADLOCKED:
                return "deadlocked: its only thread waited for ever on a lock, and jfork ended it with SIGKILL";
            case HUNG:
                return "hung: " + (signal == Signals.SIGALRM ? "its own alarm" : "the watchdog")
                    + " ended it with " + Signals.name(signal) + (deadline == null ? " at its deadline"
                    : " after its deadline of " + deadline.toMillis() + " ms");
            default:
                return "killed by " + Signals.name(signal) + " (" + signal + ")";
        }
    }

    @Override
    public String toString() {
        return describe(null);
    }
}
