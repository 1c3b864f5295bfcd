package dev.jfork.bench;

import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What the deadlock poller costs the parent: with N live children, each in a timed sleep (the poller's
 * most expensive case: besides {@code /proc/<pid>/status} and {@code syscall} it reads 4 KB of the
 * child's stack to tell a monitor entry from a plain timed wait), the CPU time of jfork's poller thread
 * over a window, from {@code /proc/self/task/<tid>/schedstat}. Prints one CSV line per N:
 * {@code children,window_ms,poller_cpu_ms,poller_cpu_percent,us_per_child_per_look}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.jfork.bench.PollerCost <backend> [seconds]}
 */
public final class PollerCost {
    private static final int[] CHILDREN = {1, 16, 64};
    /** The poller's period (DeadlockWatch.PERIOD_MILLIS). */
    private static final long PERIOD_MILLIS = 25;

    private PollerCost() {
    }

    /**
     * Runs the measurement.
     *
     * @param args backend, window in seconds (default 5)
     * @throws Exception when a child cannot be started
     */
    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : ProcessForkers.backend().name();
        long seconds = args.length > 1 ? Long.parseLong(args[1]) : 5;
        Forker forker = Forker.of(ProcessForkers.backend(backend)).warmUp();
        System.out.println("children,window_ms,poller_cpu_ms,poller_cpu_percent,us_per_child_per_look");
        for (int n : CHILDREN) {
            List<ForkedProcess> children = new ArrayList<>();
            try {
                for (int i = 0; i < n; i++) {
                    children.add(forker.fork(() -> {
                        Thread.sleep(TimeUnit.SECONDS.toMillis(seconds + 60));
                        return 0;
                    }));
                }
                Thread.sleep(500); // every child started and seen at least once
                Path poller = pollerThread();
                long cpu0 = cpuNanos(poller);
                long t0 = System.nanoTime();
                Thread.sleep(TimeUnit.SECONDS.toMillis(seconds));
                long cpu = cpuNanos(poller) - cpu0;
                long window = System.nanoTime() - t0;
                double looks = (double) window / TimeUnit.MILLISECONDS.toNanos(PERIOD_MILLIS) * n;
                System.out.printf("%d,%d,%.1f,%.2f,%.1f%n", n, window / 1_000_000, cpu / 1e6, 100.0 * cpu / window,
                    cpu / 1e3 / looks);
            } finally {
                for (ForkedProcess child : children) {
                    child.destroyForcibly();
                }
                for (ForkedProcess child : children) {
                    child.waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** The poller thread's task directory, found by its name. */
    private static Path pollerThread() throws IOException {
        try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            return tasks.filter(t -> comm(t).startsWith("jfork-deadlock")).findFirst()
                .orElseThrow(() -> new IllegalStateException("no jfork-deadlock thread: is any child watched?"));
        }
    }

    private static String comm(Path task) {
        try {
            return Files.readString(task.resolve("comm"), StandardCharsets.US_ASCII).strip();
        } catch (IOException gone) {
            return "";
        }
    }

    /** Time on a CPU, in ns: the first field of schedstat. */
    private static long cpuNanos(Path task) throws IOException {
        return Long.parseLong(Files.readString(task.resolve("schedstat"), StandardCharsets.US_ASCII).split(" ")[0]);
    }
}
