package dev.jfork;

/**
 * No backend could be chosen: the one named by {@code fork.backend} is unknown or unavailable, or
 * none is on the class path. The message lists every backend found and why each unavailable one is
 * unavailable.
 */
public class BackendSelectionException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message the full, multi-line explanation
     */
    public BackendSelectionException(String message) {
        super(message);
    }
}
