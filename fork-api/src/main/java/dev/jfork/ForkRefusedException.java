package dev.jfork;

/**
 * jfork refused to fork because the child could not be safe: for example the JVM's heap is a shared
 * mapping (ZGC), so the child's writes would land in the parent's heap. No fork happened.
 */
public class ForkRefusedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message why, and what to do instead
     */
    public ForkRefusedException(String message) {
        super(message);
    }
}
