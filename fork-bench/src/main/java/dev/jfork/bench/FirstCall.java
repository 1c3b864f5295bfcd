package dev.jfork.bench;

import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * The first {@code call}'s price in a fresh JVM: a plain program (default flags) that prints one CSV
 * line {@code backend,mode,warm_up_ms,first_call_ms,next_calls_median_ms}. In mode {@code warm} it calls
 * {@link Forker#warmUp()} first, as a program does at start-up, and times it; in mode {@code cold} the
 * first {@code call} pays that warm-up itself ({@code warm_up_ms} is then 0). The median is of the 10
 * calls that follow.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.jfork.bench.FirstCall <backend> warm|cold}
 */
public final class FirstCall {
    private static final int NEXT_CALLS = 10;

    private FirstCall() {
    }

    /**
     * Runs the measurement in this (fresh) JVM.
     *
     * @param args backend, then {@code warm} or {@code cold}
     * @throws Exception when a call fails
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2 || !(args[1].equals("warm") || args[1].equals("cold"))) {
            throw new IllegalArgumentException("usage: FirstCall <backend> warm|cold");
        }
        String backend = args[0];
        boolean warm = args[1].equals("warm");
        Callable<Integer> task = SmallTask::compute;
        long start = System.nanoTime();
        Forker forker = Forker.of(ProcessForkers.backend(backend));
        double warmUpMillis = 0;
        if (warm) {
            forker.warmUp();
            warmUpMillis = millisSince(start);
            start = System.nanoTime();
        }
        check(forker.call(task));
        double firstMillis = millisSince(start);
        double[] next = new double[NEXT_CALLS];
        for (int i = 0; i < NEXT_CALLS; i++) {
            long t = System.nanoTime();
            check(forker.call(task));
            next[i] = millisSince(t);
        }
        Arrays.sort(next);
        double median = (next[NEXT_CALLS / 2 - 1] + next[NEXT_CALLS / 2]) / 2;
        System.out.printf(java.util.Locale.ROOT, "%s,%s,%.1f,%.1f,%.1f%n", backend, args[1], warmUpMillis,
            firstMillis, median);
    }

    private static double millisSince(long start) {
        return (System.nanoTime() - start) / 1e6;
    }

    private static void check(Integer result) {
        if (result == null || result != SmallTask.EXPECTED) {
            throw new IllegalStateException("the child computed " + result + ", not " + SmallTask.EXPECTED);
        }
    }
}
