package dev.jfork.bench;

import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import dev.jfork.internal.child.Reseeder;
import dev.jfork.internal.vm.ClassPreload;
import dev.jfork.internal.vm.EdenHeadroom;
import dev.jfork.internal.vm.HeapCheck;
import dev.jfork.internal.vm.InheritedLocks;
import dev.jfork.internal.vm.InterpretedForkSite;
import dev.jfork.internal.vm.MetaspaceHeadroom;
import dev.jfork.internal.vm.PreWarm;
import dev.jfork.spi.ProcessForker;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * Where {@link Forker#warmUp()}'s time goes, in a fresh JVM: its steps (those of jfork's parent
 * preparation, in its order) are run and timed one by one here first; each is done once per process, so
 * the {@code warmUp()} that follows times only what is left (the pre-warm of the child's path again, now
 * warm, and the steps this class cannot reach). Then the first {@code call} and the median of the next 10.
 * Prints {@code step,ms} lines.
 *
 * <p>Usage: {@code java -Xmx64m -cp benchmarks.jar dev.jfork.bench.WarmUpBreakdown <backend>}: on the class
 * path, where jfork's internal packages can be reached.
 */
public final class WarmUpBreakdown {
    private WarmUpBreakdown() {
    }

    /**
     * Runs the measurement in this (fresh) JVM.
     *
     * @param args the backend
     * @throws Exception when a step fails
     */
    public static void main(String[] args) throws Exception {
        String name = args.length > 0 ? args[0] : "jni";
        long start = System.nanoTime();
        ProcessForker backend = timed("backend loaded (ProcessForkers.backend)", () -> ProcessForkers.backend(name));
        Forker forker = timed("Forker.of", () -> Forker.of(backend));
        timed("HeapCheck.requirePrivateHeap", () -> {
            HeapCheck.requirePrivateHeap();
            return null;
        });
        timed("InterpretedForkSite.ensure", InterpretedForkSite::ensure);
        timed("ClassPreload.jdkClassListOnce (the JDK's common classes)", () -> {
            ClassPreload.jdkClassListOnce();
            return null;
        });
        timed("PreWarm.run, cold (jfork's child path run in the parent; JIT rounds)", () -> {
            PreWarm.run(backend);
            return null;
        });
        timed("InheritedLocks.locateOnce", () -> {
            InheritedLocks.locateOnce();
            return null;
        });
        timed("Reseeder.prepareOnce", () -> {
            Reseeder.prepareOnce(backend);
            return null;
        });
        timed("MetaspaceHeadroom.ensure", MetaspaceHeadroom::ensure);
        timed("EdenHeadroom.ensure", EdenHeadroom::ensure);
        timed("Forker.warmUp() after these (PreWarm again, warm; DeadlockCause; the rest)", forker::warmUp);
        double total = (System.nanoTime() - start) / 1e6;
        row("total until warm", total);
        Callable<Integer> task = SmallTask::compute;
        timed("first call", () -> forker.call(task));
        double[] next = new double[10];
        for (int i = 0; i < next.length; i++) {
            long t = System.nanoTime();
            forker.call(task);
            next[i] = (System.nanoTime() - t) / 1e6;
        }
        java.util.Arrays.sort(next);
        row("median of the next 10 calls", (next[4] + next[5]) / 2);
    }

    private static <T> T timed(String step, Callable<T> work) throws Exception {
        long t = System.nanoTime();
        T result = work.call();
        row(step, (System.nanoTime() - t) / 1e6);
        return result;
    }

    private static void row(String step, double millis) {
        // one CSV field: a step's name has no comma
        System.out.printf(Locale.ROOT, "%s,%.1f%n", step.replace(',', ';'), millis);
    }
}
