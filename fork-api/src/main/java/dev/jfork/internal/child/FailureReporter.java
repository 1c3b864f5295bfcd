package dev.jfork.internal.child;

/**
 * A child body that can tell its parent why it failed before producing its result (a {@code call}
 * child, whose hooks or set-up threw): the caller then gets the exception itself, not only an exit code.
 */
public interface FailureReporter {
    /**
     * In the child: sends {@code failure} to the parent, best-effort.
     *
     * @param failure what went wrong
     */
    void failedBeforeResult(Throwable failure);
}
