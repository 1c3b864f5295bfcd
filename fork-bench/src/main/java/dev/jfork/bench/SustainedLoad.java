package dev.jfork.bench;

import dev.jfork.ForkPool;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import dev.jfork.ProcessForkers;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Sustained load through a pool: back-to-back {@link ForkPool#submit}s of {@link SmallTask#times} from
 * 1 and from 4 threads, with one task per child and with 100, for a fixed time each; then the C fork rate
 * ({@code forkloop.c}) at this JVM's resident size, for comparison. Prints one CSV row per case:
 * {@code backend,threads,tasks_per_child,size,tasks,seconds,tasks_per_s,p50_ms,p99_ms,forked_on_demand,discarded}
 * and a last row {@code backend,c_fork,rss_mb,...,forks_per_s,median_ms,p99_ms}.
 *
 * <p>Usage: {@code java -Xmx64m -Xms64m -cp benchmarks.jar dev.jfork.bench.SustainedLoad <backend>
 * [seconds per case (5)] [forkloop binary, or the forkloop.c to compile with cc]}
 */
public final class SustainedLoad {
    private SustainedLoad() {
    }

    /**
     * Runs every case in this JVM.
     *
     * @param args backend, seconds per case, forkloop
     * @throws Exception when a task fails
     */
    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : "jni";
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
        String forkloop = args.length > 2 ? args[2] : "fork-bench/src/main/c/forkloop.c";
        Forker forker = Forker.of(ProcessForkers.backend(backend)).warmUp();
        System.out.println("backend,threads,tasks_per_child,size,tasks,seconds,tasks_per_s,p50_ms,p99_ms,"
            + "forked_on_demand,discarded");
        for (int perChild : new int[] {1, 100}) {
            for (int threads : new int[] {1, 4}) {
                run(forker, backend, threads, perChild, seconds);
            }
        }
        long rssMb = Rss.vmRssKb() / 1024;
        cForkRate(forkloop, rssMb, backend);
    }

    private static void run(Forker forker, String backend, int threads, int perChild, double seconds)
        throws Exception {
        int size = Math.max(2, threads);
        PoolOptions options = PoolOptions.defaults().withSize(size).withTasksPerChild(perChild)
            .withDeadline(ForkBench.DEADLINE);
        try (ForkPool<Integer, Integer> pool = forker.pool(SmallTask::times, options)) {
            if (!pool.awaitReady(Duration.ofSeconds(60))) {
                throw new IllegalStateException("no child ready after 60 s: " + pool);
            }
            // the first tasks bring new classes (children forked before them are retired): not timed
            for (int i = 0; i < 4 * size; i++) {
                check(pool.submit(i), i);
            }
            pool.awaitReady(Duration.ofSeconds(30));
            long end = System.nanoTime() + (long) (seconds * 1e9);
            List<long[]> samples = new ArrayList<>();
            int[] counts = new int[threads];
            Throwable[] failure = new Throwable[1];
            CountDownLatch done = new CountDownLatch(threads);
            long start = System.nanoTime();
            for (int t = 0; t < threads; t++) {
                int me = t;
                long[] mine = new long[1 << 20];
                samples.add(mine);
                Thread submitter = new Thread(() -> {
                    try {
                        int n = 0;
                        while (System.nanoTime() < end && n < mine.length) {
                            int argument = (me * 7919 + n) & 1023;
                            long t0 = System.nanoTime();
                            check(pool.submit(argument), argument);
                            mine[n++] = System.nanoTime() - t0;
                        }
                        counts[me] = n;
                    } catch (Throwable e) {
                        failure[0] = e;
                    } finally {
                        done.countDown();
                    }
                }, "submitter-" + t);
                submitter.start();
            }
            done.await();
            double elapsed = (System.nanoTime() - start) / 1e9;
            if (failure[0] != null) {
                throw new IllegalStateException("a submission failed: " + failure[0], failure[0]);
            }
            int total = Arrays.stream(counts).sum();
            long[] all = new long[total];
            int k = 0;
            for (int t = 0; t < threads; t++) {
                System.arraycopy(samples.get(t), 0, all, k, counts[t]);
                k += counts[t];
            }
            Arrays.sort(all);
            System.out.printf(Locale.ROOT, "%s,%d,%d,%d,%d,%.2f,%.0f,%.3f,%.3f,%d,%d%n", backend, threads, perChild,
                size, total, elapsed, total / elapsed, percentile(all, 50) / 1e6, percentile(all, 99) / 1e6,
                pool.forkedOnDemand(), pool.discarded());
        }
    }

    /** The C program's fork rate at {@code rssMb}: fork, child _exit(0), waitpid, in a loop. */
    private static void cForkRate(String forkloop, long rssMb, String backend) throws Exception {
        Path binary = Path.of(forkloop);
        if (forkloop.endsWith(".c")) {
            binary = Files.createTempFile("forkloop", "");
            Process cc = new ProcessBuilder("cc", "-O2", "-o", binary.toString(), forkloop).inheritIO().start();
            if (cc.waitFor() != 0) {
                System.out.println(backend + ",c_fork," + rssMb + ",cc failed");
                return;
            }
        }
        Process loop = new ProcessBuilder(binary.toString(), Long.toString(rssMb), "500", "0", "10")
            .redirectErrorStream(true).start();
        String out = new String(loop.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        loop.waitFor(60, TimeUnit.SECONDS);
        double median = field(out, "median_us") / 1000;
        double p99 = field(out, "p99_us") / 1000;
        System.out.printf(Locale.ROOT, "%s,c_fork,rss_mb=%d,forks_per_s=%.0f,median_ms=%.3f,p99_ms=%.3f  (%s)%n",
            backend, rssMb, 1000 / median, median, p99, out);
        if (forkloop.endsWith(".c")) {
            Files.deleteIfExists(binary);
        }
    }

    private static double field(String line, String name) throws IOException {
        for (String part : line.split("\\s+")) {
            if (part.startsWith(name + "=")) {
                return Double.parseDouble(part.substring(name.length() + 1));
            }
        }
        throw new IOException("forkloop printed no " + name + ": " + line);
    }

    private static long percentile(long[] sorted, int p) {
        if (sorted.length == 0) {
            return 0;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    private static void check(Integer result, int argument) {
        if (result == null || result.intValue() != SmallTask.times(argument).intValue()) {
            throw new IllegalStateException("the pool answered " + result + " for " + argument);
        }
    }
}
