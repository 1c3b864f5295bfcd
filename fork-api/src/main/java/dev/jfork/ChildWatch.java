package dev.jfork;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that watch children: reapers, each blocked in {@code waitpid} on one child, and one
 * watchdog timer. All are daemons named {@value Forker#THREAD_NAME_PREFIX}...
 */
final class ChildWatch {
    static final ExecutorService REAPERS = Executors.newCachedThreadPool(daemons("reaper"));
    static final ScheduledExecutorService TIMER = timer();

    private ChildWatch() {
    }

    private static ScheduledExecutorService timer() {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, daemons("watchdog"));
        timer.setRemoveOnCancelPolicy(true);
        return timer;
    }

    private static ThreadFactory daemons(String role) {
        AtomicInteger count = new AtomicInteger();
        return task -> {
            Thread t = new Thread(task, Forker.THREAD_NAME_PREFIX + role + "-" + count.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
