package dev.jfork.internal.launch;

import dev.jfork.spi.ProcessForker;

/**
 * Refuses the safe layer in a forked child. A child has one thread and no GC, VM thread or JIT; what
 * the safe layer starts for each child (a reaper, the deadlock watch, a pool's thread) are threads of
 * their own, and in a child they block for ever on the first safepoint or VM lock (measured: a
 * {@code call} or an {@code exec} made in a child hung to the child's deadline, its grandchild a
 * zombie nobody reaped). {@code forkRaw}, which starts no thread, is not refused: it is the raw SPI,
 * best-effort in a child like any other Java there (on jnr it once deadlocked on a monitor a thread of
 * the first parent held at the first fork).
 *
 * <p>A forked child is told by its pid: the JDK caches this process's pid at start-up
 * ({@code ProcessHandle.current()}), so in a child it is still the parent's, while {@code getpid()}
 * is the child's own.
 */
public final class NestedForkGuard {
    private NestedForkGuard() {
    }

    /**
     * Throws in a forked child.
     *
     * @param backend the backend, for {@code getpid()}
     * @param what the call refused, for the message
     * @throws IllegalStateException in a forked child, naming the call and what to do instead
     */
    public static void requireParent(ProcessForker backend, String what) {
        long started = ProcessHandle.current().pid();
        int self = backend.getpid();
        if (self != started) {
            throw new IllegalStateException("jfork: " + what + " was called in a forked child (pid " + self
                + ", forked from the JVM of pid " + started + "). A child has one thread and no GC, and the safe"
                + " layer needs threads of its own for every child it starts, so this would hang. Start children"
                + " from the parent: return what the child found, and let the parent fork or exec.");
        }
    }
}
