package dev.jfork.internal.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * Warns once, like Python 3.12, when other application threads are alive at a fork: the child has
 * only the forking thread, and any lock another thread held stays held forever in the child. Not for a
 * pool's own forks ({@link #whilePoolForks}): the pool chooses when it forks, at quiet moments, while its
 * submitters merely wait, so the user could do nothing about such a warning.
 */
public final class ThreadCheck {
    /** System property: {@code false} silences the multi-thread warning ({@code Forker.WARN_THREADS_PROPERTY}). */
    public static final String PROPERTY = "fork.warnThreads";
    /** Prefix of the names of jfork's own threads ({@code Forker.THREAD_NAME_PREFIX}). */
    public static final String THREAD_NAME_PREFIX = "jfork-";

    /** Idle housekeeping threads of the native-binding libraries themselves, not the application's. */
    private static final java.util.Set<String> BINDING_HOUSEKEEPERS =
        java.util.Set.of("JNA Cleaner", "jnr.ffi.util.ref.internal.Finalizer");

    private static volatile boolean warned;
    /** Set on the forking thread while it forks a pool's child. */
    private static final ThreadLocal<Boolean> POOL_FORK = new ThreadLocal<>();

    private ThreadCheck() {
    }

    /**
     * Runs {@code fork}, the fork of a pool's child, on this thread without the warning.
     *
     * @param fork the fork
     * @param <T> what it returns
     * @return what it returned
     */
    public static <T> T whilePoolForks(java.util.function.Supplier<T> fork) {
        POOL_FORK.set(Boolean.TRUE);
        try {
            return fork.get();
        } finally {
            POOL_FORK.remove();
        }
    }

    public static void warnOnceIfOtherThreads() {
        String warning = warningOnce();
        if (warning != null) {
            System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, warning);
        }
    }

    /** @return the warning due at this fork, once per process, or null */
    static String warningOnce() {
        Thread requester = dev.jfork.internal.launch.ForkThread.requester();
        Thread asker = requester == null ? Thread.currentThread() : requester;
        // a pool's thread (its filler, warming up or forking) or a pool child's fork: the pool's choice
        if (warned || POOL_FORK.get() != null || asker.getName().startsWith(VmQuiescence.POOL_THREAD_PREFIX)
            || "false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").strip())) {
            return null;
        }
        List<String> others = otherApplicationThreads();
        if (others.isEmpty()) {
            return null;
        }
        warned = true;
        return message(asker.getName(), others);
    }

    /** The warning, naming the thread that forked, the threads that ran, and what the user can do. */
    static String message(String asker, List<String> others) {
        return "jfork: thread '" + asker + "' forked while " + others.size() + " other thread(s) ran: " + others
            + ". The child has only the forking thread: a lock one of them held then (a logger's, a pool's, a"
            + " connection's) stays held in the child, and a task that takes it hangs (reported deadlocked)."
            + " jfork's own path avoids such locks; your task may not. What to do: fork before starting"
            + " those threads, or make sure your task takes no lock they use while you fork; then silence"
            + " this with -D" + PROPERTY + "=false.";
    }

    /** For tests: the next fork may warn again. */
    static void rearm() {
        warned = false;
    }

    public static List<String> otherApplicationThreads() {
        ThreadGroup root = Thread.currentThread().getThreadGroup();
        while (root.getParent() != null) {
            root = root.getParent();
        }
        Thread[] threads = new Thread[root.activeCount() + 16];
        int n = root.enumerate(threads, true);
        Thread self = Thread.currentThread();
        // the thread that asked jfork's forking thread for this fork waits for it: it runs nothing meanwhile
        Thread requester = dev.jfork.internal.launch.ForkThread.requester();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Thread t = threads[i];
            ThreadGroup group = t.getThreadGroup();
            String groupName = group == null ? "" : group.getName();
            if (t == self || t == requester || !t.isAlive() || groupName.equals("system") || groupName.equals("InnocuousThreadGroup")
                || t.getName().startsWith(THREAD_NAME_PREFIX)
                || t.getName().startsWith(dev.jfork.internal.launch.ChildWatch.CALLBACK_THREAD_PREFIX) || BINDING_HOUSEKEEPERS.contains(t.getName())) {
                continue;
            }
            names.add(t.getName());
        }
        return names;
    }
}
