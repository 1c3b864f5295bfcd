package dev.jfork;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits, briefly, until the JIT compiler threads are idle. A child forked while a compiler thread
 * holds the compile-queue lock hangs forever the first time its interpreter asks for a compilation
 * (measured: {@code CompileBroker::compile_method_base}); forking while they sleep avoids most of
 * those hangs. It reads {@code /proc/self/task/<tid>/stat} of the threads named {@code C1/C2
 * CompilerThre...}; elsewhere it returns at once.
 */
public final class JitQuiescence {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static volatile List<Path> compilerStats;
    private static volatile long scannedAt;

    private JitQuiescence() {
    }

    /**
     * Returns once no compiler thread is running, or after {@code maxWait}.
     *
     * @param maxWait the longest wait
     * @return true when the compiler threads were idle, false when the wait ran out
     */
    public static boolean awaitIdle(Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            if (!anyCompilerRunning()) {
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

    private static boolean anyCompilerRunning() {
        List<Path> stats = compilerStats;
        long now = System.nanoTime();
        if (stats == null || now - scannedAt > 1_000_000_000L) {
            // compiler threads come and go (UseDynamicNumberOfCompilerThreads): look again each second
            stats = scan();
            compilerStats = stats;
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

    private static List<Path> scan() {
        List<Path> stats = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm"));
                    if (comm.contains("CompilerThre")) {
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
