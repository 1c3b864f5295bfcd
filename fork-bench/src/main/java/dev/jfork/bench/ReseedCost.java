package dev.jfork.bench;

import dev.jfork.ForkOptions;
import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import dev.jfork.internal.child.Reseeder;
import dev.jfork.internal.vm.JdkFields;
import java.util.Arrays;
import java.util.concurrent.Callable;

/**
 * What giving a child's generators fresh state ({@code dev.jfork.ChildRandomness}) adds to a fork: the
 * time the child spends on it before its hooks and task, copy-on-write faults of the pages it writes
 * included, as the child itself measures it ({@code System.nanoTime()} around it), over N {@code call}s.
 * A {@code call} waits for it; a pool child does it before it waits for a task, so a submission does not.
 * Prints one CSV line: {@code backend,jdk,unsafe_mode,calls,median_us,p90_us,max_us}.
 *
 * <p>Usage: {@code java -cp benchmarks.jar dev.jfork.bench.ReseedCost <backend> [calls]}
 */
public final class ReseedCost {
    private ReseedCost() {
    }

    /**
     * Runs the measurement.
     *
     * @param args backend, number of calls (default 200)
     * @throws Exception when a call fails
     */
    public static void main(String[] args) throws Exception {
        String backend = args.length > 0 ? args[0] : ProcessForkers.backend().name();
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Forker forker = Forker.of(ProcessForkers.backend(backend)).warmUp();
        ForkOptions options = ForkOptions.defaults().withDeadline(ForkBench.DEADLINE);
        Callable<Long> cost = Reseeder::lastCostNanos;
        // the generators used in the parent, as an application has
        Math.random();
        java.util.concurrent.ThreadLocalRandom.current().nextLong();
        new java.security.SecureRandom().nextBytes(new byte[8]);
        long[] nanos = new long[calls];
        for (int i = 0; i < calls; i++) {
            nanos[i] = forker.call(cost, options);
            if (nanos[i] < 0) {
                throw new IllegalStateException("the child was not reseeded: " + dev.jfork.ChildRandomness.notReseeded());
            }
        }
        Arrays.sort(nanos);
        System.out.println("backend,jdk,unsafe_mode,calls,median_us,p90_us,max_us");
        System.out.printf("%s,%d,%s,%d,%.1f,%.1f,%.1f%n", backend, Runtime.version().feature(), JdkFields.mode(), calls,
            nanos[calls / 2] / 1e3, nanos[calls * 9 / 10] / 1e3, nanos[calls - 1] / 1e3);
    }
}
