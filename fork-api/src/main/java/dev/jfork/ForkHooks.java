package dev.jfork;

import dev.jfork.internal.launch.HookRegistry;

/**
 * Hooks around every fork that jfork makes ({@link Forker#fork}, {@link Forker#call}; not
 * {@link Forker#exec}, whose child runs no Java), with the ordering of Python's
 * {@code os.register_at_fork}:
 * <ul>
 *   <li>{@code before} hooks run in the parent just before the fork, in <em>reverse</em> registration order;</li>
 *   <li>{@code afterInParent} hooks run in the parent just after it, in registration order;</li>
 *   <li>{@code afterInChild} hooks run in the child before its task, in registration order.</li>
 * </ul>
 *
 * <p>One call, one bracket: when jfork kills a child before it was let run its task (one of the
 * JVM's threads ran during its fork, it sent no start byte in time, or it was seen deadlocked before
 * it) and forks again, that happens between one run of the {@code before} hooks and one run of the
 * {@code afterInParent} hooks, which come once the child has started; a child killed so runs no hook.
 * If the fork fails after the {@code before} hooks ran, the {@code afterInParent} hooks still run
 * before the exception reaches the caller.
 *
 * <p>Exceptions: a {@code before} hook that throws aborts the fork; no child is made and the
 * exception reaches the caller, but only once the bracket is closed: the other {@code before} hooks
 * still run, then every {@code afterInParent} hook (so a lock that a {@code before} hook took is
 * released), and later exceptions are added to the first as suppressed. An {@code afterInParent} hook that throws is logged at WARNING and
 * the others still run, so a child that exists is always returned and managed. An
 * {@code afterInChild} hook that throws ends the child like an uncaught exception in its task (stack
 * trace on fd 2, exit code {@link ForkedProcess#EXIT_UNCAUGHT}); the task does not run.
 */
public final class ForkHooks {
    private ForkHooks() {
    }

    /**
     * Registers a hook that runs in the parent before each fork.
     *
     * @param hook the hook
     */
    public static void registerBefore(Runnable hook) {
        HookRegistry.addBefore(hook);
    }

    /**
     * Registers a hook that runs in the parent after each fork.
     *
     * @param hook the hook
     */
    public static void registerAfterInParent(Runnable hook) {
        HookRegistry.addAfterInParent(hook);
    }

    /**
     * Registers a hook that runs in each child before its task. It runs on the child's only thread:
     * it must not wait for anything another thread of the parent would have done. One use: set a flag
     * that your shutdown hooks check, since a task that calls {@code System.exit} runs the parent's
     * shutdown hooks in the child before it is found deadlocked.
     *
     * @param hook the hook
     */
    public static void registerAfterInChild(Runnable hook) {
        HookRegistry.addAfterInChild(hook);
    }

    /**
     * Removes a hook from every list it is in.
     *
     * @param hook the hook, as registered
     * @return whether it was registered
     */
    public static boolean unregister(Runnable hook) {
        return HookRegistry.remove(hook);
    }
}
