package dev.jfork.conformance;

/**
 * What a test child does; its return value becomes the child's exit code.
 */
@FunctionalInterface
public interface ChildBody {
    /**
     * Runs in the child.
     *
     * @return the exit code
     * @throws Exception anything; the child then exits with {@link RawChildren#CHILD_THREW}
     */
    int run() throws Exception;
}
