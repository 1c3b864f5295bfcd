package dev.jfork.bench;

import dev.jfork.Signals;
import dev.jfork.spi.ProcessForker;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kills, with SIGKILL, a raw benchmark child that has not ended after {@link #LIMIT_SECONDS}: a raw
 * child runs Java between {@code fork} and {@code _exit}, and may hang there on a JVM lock (a
 * safepoint or compile-queue lock held at the fork). Without this the parent's {@code waitpid}, and
 * the whole run, would wait forever. Its thread sleeps between checks; the benchmark thread only
 * writes two volatile fields per fork.
 */
final class RawWatchdog implements AutoCloseable {
    /** How long a raw child may live. */
    static final long LIMIT_SECONDS = 10;

    private final ProcessForker posix;
    private final Thread thread;
    private final AtomicInteger killed = new AtomicInteger();
    private volatile int pid;
    private volatile long since;
    private volatile boolean closed;

    RawWatchdog(ProcessForker posix) {
        this.posix = posix;
        // "jfork-" prefix: jfork's own thread check does not count it as an application thread
        this.thread = new Thread(this::loop, "jfork-bench-raw-watchdog");
        thread.setDaemon(true);
        thread.start();
    }

    void watch(int child) {
        since = System.nanoTime();
        pid = child;
    }

    void clear() {
        pid = 0;
    }

    int killed() {
        return killed.get();
    }

    private void loop() {
        while (!closed) {
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                return;
            }
            int child = pid;
            if (child > 0 && System.nanoTime() - since > TimeUnit.SECONDS.toNanos(LIMIT_SECONDS) && pid == child) {
                try {
                    posix.kill(child, Signals.SIGKILL);
                    killed.incrementAndGet();
                    System.err.println("fork-bench: raw child " + child + " hung for " + LIMIT_SECONDS
                        + " s; killed with SIGKILL");
                } catch (RuntimeException gone) {
                    // it ended meanwhile
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
