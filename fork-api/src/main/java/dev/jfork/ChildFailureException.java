package dev.jfork;

import java.util.Optional;

/**
 * A forked task did not deliver its result: it threw (the cause is the child's exception, with the
 * child's stack trace), it hung and the watchdog killed it, a signal killed it, or its result could
 * not be sent back.
 */
public class ChildFailureException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @serial the child's pid */
    private final long pid;
    private final transient ChildEnd end;

    /**
     * Creates the exception.
     *
     * @param message what happened, naming the child
     * @param pid the child's pid
     * @param end how the child ended, or null if unknown
     * @param cause the child's own exception, or null
     */
    public ChildFailureException(String message, long pid, ChildEnd end, Throwable cause) {
        super(message, cause);
        this.pid = pid;
        this.end = end;
    }

    /**
     * The child's pid.
     *
     * @return the pid
     */
    public long pid() {
        return pid;
    }

    /**
     * How the child ended.
     *
     * @return the end, when it is known
     */
    public Optional<ChildEnd> end() {
        return Optional.ofNullable(end);
    }
}
