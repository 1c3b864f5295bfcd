package dev.jfork;

/**
 * Code that runs in a forked child. Its return value is the child's exit code; the child then ends
 * with {@code _exit}, never by returning into the caller.
 */
@FunctionalInterface
public interface ChildTask {
    /**
     * Runs in the child, on the only thread the child has.
     *
     * @return the exit code, 0 to 255. Another value is not cut to its low 8 bits (256 would read as 0, a
     *     success): the child writes a line naming it to its stderr and exits with
     *     {@link ForkedProcess#EXIT_UNCAUGHT} instead
     * @throws Exception anything; the child then writes the stack trace to fd 2 and exits with
     *     {@link ForkedProcess#EXIT_UNCAUGHT}
     */
    int run() throws Exception;
}
