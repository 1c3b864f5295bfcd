package dev.jfork;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits, briefly, until the JVM's own threads are idle, so that the fork lands at a quiet instant. A
 * child forked while one of them holds a VM lock hangs forever when it needs that lock, and these
 * locks are held only while their owner runs. Measured with gdb, children hung on: the compile-queue
 * lock ({@code CompileBroker::compile_method_base}), the inline-cache lock
 * ({@code SharedRuntime::handle_wrong_method_ic_miss -> CompiledICLocker}), the arena chunk pool
 * ({@code Arena::grow -> ChunkPool}, while the child built a stack trace; compiler threads churn
 * arenas) and a GC safepoint in flight (the VM and GC threads). It reads
 * {@code /proc/self/task/<tid>/stat} of the threads named like HotSpot's compiler, sweeper, service,
 * VM, GC and monitor-deflation threads, and returns once none of them is running or runnable;
 * elsewhere it returns at once. Application threads can still hold such locks: jfork cannot see that.
 */
public final class VmQuiescence {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static volatile List<Path> vmThreadStats;
    private static volatile long scannedAt;

    private VmQuiescence() {
    }

    /**
     * Returns once none of those threads is running, or after {@code maxWait}.
     *
     * @param maxWait the longest wait
     * @return true when they were idle, false when the wait ran out
     */
    public static boolean awaitIdle(Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            if (!anyVmThreadRunning()) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private static boolean anyVmThreadRunning() {
        List<Path> stats = vmThreadStats;
        long now = System.nanoTime();
        if (stats == null || now - scannedAt > 1_000_000_000L) {
            // threads come and go (dynamic compiler and GC threads): look again each second
            stats = scan();
            vmThreadStats = stats;
            scannedAt = now;
        }
        for (Path stat : stats) {
            try {
                String line = Files.readString(stat);
                int close = line.lastIndexOf(')');
                if (close > 0 && close + 2 < line.length() && line.charAt(close + 2) == 'R') {
                    return true;
                }
            } catch (IOException gone) {
                scannedAt = 0;
            }
        }
        return false;
    }

    /** Thread names ({@code comm}, 15 characters at most) of HotSpot's own threads that take VM locks. */
    private static final String[] VM_THREADS = {
        "C1 CompilerThre", "C2 CompilerThre", "Sweeper thread", "Service Thread", "VM Thread", "GC Thread",
        "G1 ", "Monitor Deflati", "VM Periodic Tas",
    };

    private static boolean isVmThread(String comm) {
        for (String name : VM_THREADS) {
            if (comm.startsWith(name)) {
                return true;
            }
        }
        return false;
    }

    private static List<Path> scan() {
        List<Path> stats = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm"));
                    if (isVmThread(comm)) {
                        stats.add(task.resolve("stat"));
                    }
                } catch (IOException gone) {
                    // the thread ended
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            return List.of();
        }
        return stats;
    }
}
