package dev.jfork;

/**
 * A decoded {@code waitpid(2)} status: exited with a code, killed by a signal (maybe with a core
 * dump), stopped, or continued. This is the one place that knows the Linux encoding.
 *
 * @param raw the status word that {@code waitpid} stored
 */
public record WaitStatus(int raw) {
    /** {@code waitpid} option: return at once if no child has changed state. */
    public static final int WNOHANG = 1;
    /** {@code waitpid} option: also report stopped children. */
    public static final int WUNTRACED = 2;
    /** {@code waitpid} option: also report continued children. */
    public static final int WCONTINUED = 8;
    /**
     * The status of a child that ended but whose status no wait could get: it was reaped by someone
     * else ({@code ECHILD}): a library that called {@code waitpid(-1)}, or the kernel itself while
     * SIGCHLD was ignored. It is neither an exit nor a signal; {@link #unknown()} is true.
     */
    public static final WaitStatus UNKNOWN = new WaitStatus(-1);

    /**
     * Decodes a raw status.
     *
     * @param raw the status word from {@code waitpid}
     * @return the decoded status
     */
    public static WaitStatus of(int raw) {
        return new WaitStatus(raw);
    }

    /**
     * Whether the process ended through {@code exit} or {@code _exit} ({@code WIFEXITED}).
     *
     * @return true when it exited normally
     */
    public boolean exited() {
        return (raw & 0x7f) == 0;
    }

    /**
     * The exit code ({@code WEXITSTATUS}), 0 to 255.
     *
     * @return the code
     * @throws IllegalStateException when the process did not exit normally
     */
    public int exitCode() {
        if (!exited()) {
            throw new IllegalStateException("not an exit: " + this);
        }
        return (raw >> 8) & 0xff;
    }

    /**
     * Whether a signal killed the process ({@code WIFSIGNALED}).
     *
     * @return true when a signal ended it
     */
    public boolean signaled() {
        int low = raw & 0x7f;
        return low != 0 && low != 0x7f;
    }

    /**
     * The signal that killed the process ({@code WTERMSIG}).
     *
     * @return the signal number
     * @throws IllegalStateException when no signal killed it
     */
    public int termSignal() {
        if (!signaled()) {
            throw new IllegalStateException("not killed by a signal: " + this);
        }
        return raw & 0x7f;
    }

    /**
     * Whether the killed process dumped core ({@code WCOREDUMP}).
     *
     * @return true when a core was dumped
     */
    public boolean coreDumped() {
        return signaled() && (raw & 0x80) != 0;
    }

    /**
     * Whether the process was stopped ({@code WIFSTOPPED}).
     *
     * @return true when stopped
     */
    public boolean stopped() {
        return (raw & 0xff) == 0x7f;
    }

    /**
     * The signal that stopped the process ({@code WSTOPSIG}).
     *
     * @return the signal number
     * @throws IllegalStateException when it is not stopped
     */
    public int stopSignal() {
        if (!stopped()) {
            throw new IllegalStateException("not stopped: " + this);
        }
        return (raw >> 8) & 0xff;
    }

    /**
     * Whether the process was resumed by SIGCONT ({@code WIFCONTINUED}).
     *
     * @return true when continued
     */
    public boolean continued() {
        return raw == 0xffff;
    }

    /**
     * Whether this is {@link #UNKNOWN}: the process ended, but was reaped by someone else, so how is
     * not known.
     *
     * @return true for a status nobody could learn
     */
    public boolean unknown() {
        return raw == -1;
    }

    /**
     * Whether the process has ended, by exit or by signal, or in a way not known ({@link #unknown()}).
     *
     * @return true when the status is final
     */
    public boolean terminated() {
        return exited() || signaled() || unknown();
    }

    /**
     * The shell's convention for an ended process: the exit code, or 128 + signal.
     *
     * @return the code a shell would report
     */
    public int shellCode() {
        return exited() ? exitCode() : signaled() ? 128 + termSignal() : -1;
    }

    @Override
    public String toString() {
        if (unknown()) {
            return "ended, status unknown (reaped by someone else: ECHILD)";
        }
        if (exited()) {
            return "exited with code " + exitCode();
        }
        if (signaled()) {
            return "killed by " + Signals.name(termSignal()) + " (" + termSignal() + ")"
                + (coreDumped() ? ", core dumped" : "");
        }
        if (stopped()) {
            return "stopped by " + Signals.name(stopSignal());
        }
        if (continued()) {
            return "continued";
        }
        return "unknown status 0x" + Integer.toHexString(raw);
    }
}
