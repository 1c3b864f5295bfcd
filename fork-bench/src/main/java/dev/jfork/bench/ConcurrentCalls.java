package dev.jfork.bench;

import dev.jfork.ForkPool;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import dev.jfork.ProcessForkers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;

/**
 * A plain program (not JMH, default flags) that makes the same number of small {@code call}s from one
 * thread and then from several at once, and submits to a warm pool the same way; it prints one CSV line
 * per run: {@code backend,mode,threads,tasks,total_ms,ms_per_task,tasks_per_s,discards,ratio_to_1_thread}.
 * {@code discards} counts children forked while one of the JVM's threads ran and forked again
 * ({@link Forker#restartsBeforeStart()}).
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.jfork.bench.ConcurrentCalls <backend> [tasks] [threads]}
 */
public final class ConcurrentCalls {
    private ConcurrentCalls() {
    }

    /**
     * Runs the measurements.
     *
     * @param args backend, tasks (default 200), threads (default 4)
     * @throws Exception when a task fails
     */
    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : ProcessForkers.backend().name();
        int tasks = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
        Forker forker = Forker.of(ProcessForkers.backend(backend)).warmUp();
        Callable<Integer> task = SmallTask::compute;
        for (int i = 0; i < 10; i++) {
            check(forker.call(task), SmallTask.EXPECTED);
        }
        double one = run(backend, "call", 1, tasks, i -> check(forker.call(task), SmallTask.EXPECTED), 0);
        run(backend, "call", threads, tasks, i -> check(forker.call(task), SmallTask.EXPECTED), one);
        PoolOptions options = PoolOptions.defaults().withSize(threads).withDeadline(ForkBench.DEADLINE);
        try (ForkPool<Integer, Integer> pool = forker.pool(SmallTask::times, options)) {
            if (!pool.awaitReady(Duration.ofSeconds(60))) {
                throw new IllegalStateException("the pool had no child ready after 60 s: " + pool);
            }
            for (int i = 0; i < 4; i++) {
                check(pool.submit(i), SmallTask.EXPECTED + i);
            }
            double poolOne = run(backend, "pool", 1, tasks, i -> check(pool.submit(i), SmallTask.EXPECTED + i), 0);
            run(backend, "pool", threads, tasks, i -> check(pool.submit(i), SmallTask.EXPECTED + i), poolOne);
        }
    }

    /** @return the total time in ms */
    private static double run(String backend, String mode, int threads, int tasks, IntConsumer each,
                              double oneThreadMillis) throws Exception {
        long discards = Forker.restartsBeforeStart();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int first = t;
                done.add(pool.submit(() -> {
                    for (int i = first; i < tasks; i += threads) {
                        each.accept(i);
                    }
                }));
            }
            for (Future<?> f : done) {
                f.get(10, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
        }
        double millis = (System.nanoTime() - start) / 1e6;
        long discarded = Forker.restartsBeforeStart() - discards;
        System.out.printf("%s,%s,%d,%d,%.0f,%.2f,%.0f,%d,%s%n", backend, mode, threads, tasks, millis, millis / tasks,
            tasks / (millis / 1000), discarded, oneThreadMillis > 0 ? String.format("%.2f", millis / oneThreadMillis) : "1.00");
        return millis;
    }

    private static void check(int got, int expected) {
        if (got != expected) {
            throw new IllegalStateException("a task returned " + got + ", expected " + expected);
        }
    }
}
