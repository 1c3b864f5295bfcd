package dev.jfork.internal.launch;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that complete what users wait for; the waits for children themselves are {@link Reapers},
 * deadlines are kept by {@link DeadlockWatch}'s poller.
 */
public final class ChildWatch {
    /**
     * Prefix of the threads that complete the futures users see ({@code onExit()}, {@code callAsync}):
     * a user's continuation runs there, never on a reaper, which every fork waits to be idle.
     */
    public static final String CALLBACK_THREAD_PREFIX = "jfork callback ";
    /** Runs the completions of user-visible futures; its threads are not watched at a fork. */
    public static final ExecutorService CALLBACKS = Executors.newCachedThreadPool(named(CALLBACK_THREAD_PREFIX));

    private ChildWatch() {
    }

    private static ThreadFactory named(String prefix) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, prefix + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
