package dev.jfork;

import java.time.Duration;

/**
 * How a forked child ended: it exited with a code, a signal killed it, it hung and the watchdog
 * killed it, or it deadlocked and jfork killed it at once.
 *
 * @param kind which of the three
 * @param exitCode the exit code when {@link Kind#EXITED}, otherwise -1
 * @param signal the signal that ended it when {@link Kind#SIGNALED} or {@link Kind#HUNG}, otherwise 0
 * @param status the raw decoded wait status
 */
public record ChildEnd(Kind kind, int exitCode, int signal, WaitStatus status) {

    /** The three ways a child ends. */
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
        DEADLOCKED
    }

    static ChildEnd of(WaitStatus status, boolean watchdogKilled, boolean deadlockKilled, boolean alarmArmed) {
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
     * The value {@link Process#exitValue()} reports: the exit code, or 128 + the signal.
     *
     * @return the shell-style code
     */
    public int exitValue() {
        return kind == Kind.EXITED ? exitCode : 128 + signal;
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
