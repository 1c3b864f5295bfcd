package dev.jfork;

/**
 * Stands in for an exception thrown in a forked child whose class the parent cannot rebuild (it has
 * no public {@code (String)} constructor, or is not on the parent's class path). It keeps the
 * original class name, message and the child's stack trace.
 */
public class ChildTaskException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @serial the class of the exception the child threw */
    private final String originalClassName;

    /**
     * Creates the stand-in.
     *
     * @param originalClassName the class of the child's exception
     * @param message its message, or null
     */
    public ChildTaskException(String originalClassName, String message) {
        super(message == null ? originalClassName : originalClassName + ": " + message);
        this.originalClassName = originalClassName;
    }

    /**
     * The class of the exception the child threw.
     *
     * @return a fully qualified class name
     */
    public String originalClassName() {
        return originalClassName;
    }
}
