package dev.jfork.internal.vm;

import dev.jfork.Forker;
import java.util.ArrayList;
import java.util.List;

/**
 * Warns once, like Python 3.12, when other application threads are alive at a fork: the child has
 * only the forking thread, and any lock another thread held stays held forever in the child.
 */
public final class ThreadCheck {
    /** System property: {@code false} silences the multi-thread warning. */
    public static final String PROPERTY = Forker.WARN_THREADS_PROPERTY;

    /** Idle housekeeping threads of the native-binding libraries themselves, not the application's. */
    private static final java.util.Set<String> BINDING_HOUSEKEEPERS =
        java.util.Set.of("JNA Cleaner", "jnr.ffi.util.ref.internal.Finalizer");

    private static volatile boolean warned;

    private ThreadCheck() {
    }

    public static void warnOnceIfOtherThreads() {
        if (warned || "false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").strip())) {
            return;
        }
        List<String> others = otherApplicationThreads();
        if (!others.isEmpty()) {
            warned = true;
            System.getLogger("dev.jfork").log(System.Logger.Level.WARNING,
                "jfork: forking while " + others.size() + " other thread(s) run: " + others
                + ". The child has only the forking thread; a lock one of them holds stays held in the child."
                + " jfork's child path avoids such locks; your task may not. Silence with -D" + PROPERTY + "=false.");
        }
    }

    public static List<String> otherApplicationThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        Thread self = Thread.currentThread();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            ThreadGroup group = t.getThreadGroup();
            String groupName = group == null ? "" : group.getName();
            if (t == self || !t.isAlive() || groupName.equals("system") || groupName.equals("InnocuousThreadGroup")
                || t.getName().startsWith(Forker.THREAD_NAME_PREFIX)
                || t.getName().startsWith(dev.jfork.internal.launch.ChildWatch.CALLBACK_THREAD_PREFIX) || BINDING_HOUSEKEEPERS.contains(t.getName())) {
                continue;
            }
            names.add(t.getName());
        }
        return names;
    }
}
