package dev.jfork;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

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
 * <p>One call, one bracket: when jfork discards a child before it starts because one of the JVM's
 * threads ran during its fork, and forks again, that happens between one run of the {@code before}
 * hooks and one run of the {@code afterInParent} hooks; the discarded child runs no hook. Only a
 * child that hangs before its task (no start byte within {@link Forker#HANDSHAKE_PROPERTY}) and is forked again
 * gets a second bracket. If the fork fails after the {@code before} hooks ran, the
 * {@code afterInParent} hooks still run before the exception reaches the caller.
 *
 * <p>Exceptions: a {@code before} hook that throws aborts the fork; no child is made and the
 * exception reaches the caller. An {@code afterInParent} hook that throws is logged at WARNING and
 * the others still run, so a child that exists is always returned and managed. An
 * {@code afterInChild} hook that throws ends the child like an uncaught exception in its task (stack
 * trace on fd 2, exit code {@link ForkedProcess#EXIT_UNCAUGHT}); the task does not run.
 */
public final class ForkHooks {
    private static final List<Runnable> BEFORE = new CopyOnWriteArrayList<>();
    private static final List<Runnable> AFTER_IN_PARENT = new CopyOnWriteArrayList<>();
    private static final List<Runnable> AFTER_IN_CHILD = new CopyOnWriteArrayList<>();

    private ForkHooks() {
    }

    /**
     * Registers a hook that runs in the parent before each fork.
     *
     * @param hook the hook
     */
    public static void registerBefore(Runnable hook) {
        BEFORE.add(java.util.Objects.requireNonNull(hook));
    }

    /**
     * Registers a hook that runs in the parent after each fork.
     *
     * @param hook the hook
     */
    public static void registerAfterInParent(Runnable hook) {
        AFTER_IN_PARENT.add(java.util.Objects.requireNonNull(hook));
    }

    /**
     * Registers a hook that runs in each child before its task. It runs on the child's only thread:
     * it must not wait for anything another thread of the parent would have done.
     *
     * @param hook the hook
     */
    public static void registerAfterInChild(Runnable hook) {
        AFTER_IN_CHILD.add(java.util.Objects.requireNonNull(hook));
    }

    /**
     * Removes a hook from every list it is in.
     *
     * @param hook the hook, as registered
     * @return whether it was registered
     */
    public static boolean unregister(Runnable hook) {
        boolean removed = BEFORE.remove(hook);
        removed |= AFTER_IN_PARENT.remove(hook);
        removed |= AFTER_IN_CHILD.remove(hook);
        return removed;
    }

    static void runBefore() {
        Object[] hooks = BEFORE.toArray();
        for (int i = hooks.length - 1; i >= 0; i--) {
            ((Runnable) hooks[i]).run();
        }
    }

    static void runAfterInParent() {
        for (Runnable hook : AFTER_IN_PARENT) {
            try {
                hook.run();
            } catch (RuntimeException | Error e) {
                System.getLogger("dev.jfork").log(System.Logger.Level.WARNING,
                    "jfork: an afterInParent hook threw; the fork went ahead", e);
            }
        }
    }

    /** Taken in the parent, so that the child allocates nothing to find its hooks. */
    static Object[] afterInChildSnapshot() {
        return AFTER_IN_CHILD.toArray();
    }

    static void runAfterInChild(Object[] hooks) {
        for (int i = 0; i < hooks.length; i++) {
            ((Runnable) hooks[i]).run();
        }
    }
}
