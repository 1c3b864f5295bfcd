package dev.jfork.internal.launch;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The hooks registered through {@link dev.jfork.ForkHooks}, and running them at their moments of a
 * fork: {@code before} in reverse order, {@code afterInParent} and {@code afterInChild} in order.
 */
public final class HookRegistry {
    private static final List<Runnable> BEFORE = new CopyOnWriteArrayList<>();
    private static final List<Runnable> AFTER_IN_PARENT = new CopyOnWriteArrayList<>();
    private static final List<Runnable> AFTER_IN_CHILD = new CopyOnWriteArrayList<>();

    private HookRegistry() {
    }

    /** @param hook runs in the parent before each fork */
    public static void addBefore(Runnable hook) {
        BEFORE.add(Objects.requireNonNull(hook, "hook"));
    }

    /** @param hook runs in the parent after each fork */
    public static void addAfterInParent(Runnable hook) {
        AFTER_IN_PARENT.add(Objects.requireNonNull(hook, "hook"));
    }

    /** @param hook runs in each child before its task */
    public static void addAfterInChild(Runnable hook) {
        AFTER_IN_CHILD.add(Objects.requireNonNull(hook, "hook"));
    }

    /**
     * @param hook a hook as registered
     * @return whether it was in any list
     */
    public static boolean remove(Runnable hook) {
        boolean removed = BEFORE.remove(hook);
        removed |= AFTER_IN_PARENT.remove(hook);
        removed |= AFTER_IN_CHILD.remove(hook);
        return removed;
    }

    /**
     * Runs the {@code before} hooks, last registered first. One that throws aborts the fork, but not the
     * bracket: the other {@code before} hooks still run, then every {@code afterInParent} hook, and then
     * the first exception is thrown (the later ones added to it as suppressed). The lists do not pair a
     * {@code before} hook with its {@code afterInParent} hook, so the bracket is closed whole: each
     * {@code afterInParent} hook runs after its {@code before} hook ran, as on a fork that went ahead,
     * and a lock one of them took is released.
     */
    public static void runBefore() {
        Object[] hooks = BEFORE.toArray();
        Throwable failure = null;
        for (int i = hooks.length - 1; i >= 0; i--) {
            try {
                ((Runnable) hooks[i]).run();
            } catch (RuntimeException | Error e) {
                if (failure == null) {
                    failure = e;
                } else if (failure != e) {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            runAfterInParent();
            if (failure instanceof Error) {
                throw (Error) failure;
            }
            throw (RuntimeException) failure;
        }
    }

    /** Runs the {@code afterInParent} hooks; one that throws is logged and the others still run. */
    public static void runAfterInParent() {
        for (Runnable hook : AFTER_IN_PARENT) {
            try {
                hook.run();
            } catch (RuntimeException | Error e) {
                System.getLogger("dev.jfork").log(System.Logger.Level.WARNING,
                    "jfork: an afterInParent hook threw; the fork went ahead", e);
            }
        }
    }

    /**
     * Taken in the parent, so that the child allocates nothing to find its hooks.
     *
     * @return the {@code afterInChild} hooks
     */
    public static Object[] afterInChildSnapshot() {
        return AFTER_IN_CHILD.toArray();
    }

    /**
     * In the child: runs the hooks of {@link #afterInChildSnapshot()}; the first that throws ends the child.
     *
     * @param hooks the snapshot
     */
    public static void runAfterInChild(Object[] hooks) {
        for (int i = 0; i < hooks.length; i++) {
            ((Runnable) hooks[i]).run();
        }
    }
}
