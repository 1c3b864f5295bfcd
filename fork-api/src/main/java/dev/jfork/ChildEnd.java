package dev.jfork;

import java.time.Duration;

/**
 * How a forked child ended: it exited with a code, a signal killed it, or it hung and the watchdog
 * killed it.
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
        HUNG
    }

    static ChildEnd of(WaitStatus status, boolean watchdogKilled, boolean alarmArmed) {
        if (status.exited()) {
            return new ChildEnd(Kind.EXITED, status.exitCode(), 0, status);
        }
        int signal = status.termSignal();
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
            case HUNG:
                return "hung: the watchdog ended it with " + Signals.name(signal) + " after its deadline of "
                    + (deadline == null ? "?" : deadline.toMillis() + " ms");
            default:
                return "killed by " + Signals.name(signal) + " (" + signal + ")";
        }
    }

    @Override
    public String toString() {
        return describe(null);
    }
}
