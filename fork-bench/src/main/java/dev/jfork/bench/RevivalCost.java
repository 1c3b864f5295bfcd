package dev.jfork.bench;

import dev.jfork.ChildRuntimeReport;
import dev.jfork.ForkOptions;
import dev.jfork.ForkPool;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import dev.jfork.ProcessForkers;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * What the child runtime ({@code -Dfork.childRuntime=vm}: the VM thread started again in each child) adds
 * to a {@code call} of a small task and to a task through a pool whose children run one task each,
 * submitted back to back (each needs a new child). Runs in one JVM under SerialGC, the option switched
 * off and on in alternate rounds (the property is read at each fork), so that both see the same machine.
 * Prints {@code backend,jdk,case,runtime,n,median_us,p90_us} lines ({@code in-child-start}: the revival's own
 * time, as the child measures it around {@code VmRevival.startInChild}), then, per case, the added median
 * ({@code backend,jdk,case,added,median_us}). The JVM must run SerialGC, or the runtime is not available
 * and the run says so and fails.
 *
 * <p>Usage: {@code java -XX:+UseSerialGC -Xms64m -Xmx64m -cp benchmarks.jar dev.jfork.bench.RevivalCost
 * <backend> [rounds (10)] [per round (20)]}
 */
public final class RevivalCost {
    private RevivalCost() {
    }

    /**
     * Runs the measurement.
     *
     * @param args backend, rounds, samples per round and case
     * @throws Exception when a task fails
     */
    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : ProcessForkers.backend().name();
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
        int perRound = args.length > 2 ? Integer.parseInt(args[2]) : 20;
        Forker forker = Forker.of(ProcessForkers.backend(backend)).warmUp();
        System.setProperty(ChildRuntimeReport.PROPERTY, "vm");
        ChildRuntimeReport report = ChildRuntimeReport.of(forker);
        if (!report.vmThreadInChild()) {
            throw new IllegalStateException("the child runtime is not available here: " + report.reason());
        }
        ForkOptions options = ForkOptions.defaults().withDeadline(ForkBench.DEADLINE);
        PoolOptions poolOptions = PoolOptions.defaults().withSize(2).withTasksPerChild(1).withDeadline(ForkBench.DEADLINE);
        Callable<Integer> small = () -> SmallTask.times(3);
        long[][] call = new long[2][rounds * perRound];
        long[][] pool = new long[2][rounds * perRound];
        long[][] inChild = new long[2][rounds * perRound];
        Callable<Long> revival = dev.jfork.internal.vm.VmRevival::lastChildNanos;
        for (int round = 0; round < rounds; round++) {
            for (int on = 0; on < 2; on++) {
                System.setProperty(ChildRuntimeReport.PROPERTY, on == 1 ? "vm" : "off");
                for (int i = 0; i < perRound; i++) {
                    long start = System.nanoTime();
                    forker.call(small, options);
                    call[on][round * perRound + i] = System.nanoTime() - start;
                    inChild[on][round * perRound + i] = Math.max(0, forker.call(revival, options));
                }
                try (ForkPool<Integer, Integer> p = forker.pool(SmallTask::times, poolOptions)) {
                    p.submit(1);
                    for (int i = 0; i < perRound; i++) {
                        long start = System.nanoTime();
                        p.submit(i);
                        pool[on][round * perRound + i] = System.nanoTime() - start;
                    }
                }
            }
        }
        int jdk = Runtime.version().feature();
        System.out.println("backend,jdk,case,runtime,n,median_us,p90_us");
        double[] callMedians = print(backend, jdk, "call", call);
        double[] poolMedians = print(backend, jdk, "pool-1-task-per-child", pool);
        print(backend, jdk, "in-child-start", inChild);
        System.out.printf("%s,%d,call,added,%.1f%n", backend, jdk, callMedians[1] - callMedians[0]);
        System.out.printf("%s,%d,pool-1-task-per-child,added,%.1f%n", backend, jdk, poolMedians[1] - poolMedians[0]);
    }

    private static double[] print(String backend, int jdk, String kase, long[][] nanos) {
        double[] medians = new double[2];
        for (int on = 0; on < 2; on++) {
            long[] sorted = nanos[on].clone();
            Arrays.sort(sorted);
            medians[on] = sorted[sorted.length / 2] / 1e3;
            System.out.printf("%s,%d,%s,%s,%d,%.1f,%.1f%n", backend, jdk, kase, on == 1 ? "vm" : "off", sorted.length,
                medians[on], sorted[sorted.length * 9 / 10] / 1e3);
        }
        return medians;
    }
}
