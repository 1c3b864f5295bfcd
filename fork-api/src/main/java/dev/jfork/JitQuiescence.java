package dev.jfork;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Waits, briefly, until the JVM's code-managing threads are idle. A child forked while one of them
 * holds a VM lock hangs forever when it needs that lock. Measured with gdb: a compiler thread holding
 * the compile-queue lock ({@code CompileBroker::compile_method_base} in the child), and the
 * inline-cache lock ({@code SharedRuntime::handle_wrong_method_ic_miss -> CompiledICLocker} in the
 * child), which the sweeper takes while it cleans compiled code, as does any thread that re-binds a
 * call. Forking while these threads sleep avoids most of those hangs; Java threads of the
 * application can still hold them. It reads {@code /proc/self/task/<tid>/stat} of the threads
 * named {@code C1/C2 CompilerThre...}, {@code Sweeper thread} and {@code Service Thread} (which also
 * cleans compiled code); elsewhere it returns at once.
 */
public final class JitQuiescence {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static volatile List<Path> codeThreadStats;
    private static volatile long scannedAt;

    private JitQuiescence() {
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
            if (!anyCodeThreadRunning()) {
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

    private static boolean anyCodeThreadRunning() {
        List<Path> stats = codeThreadStats;
        long now = System.nanoTime();
        if (stats == null || now - scannedAt > 1_000_000_000L) {
            // compiler threads come and go (UseDynamicNumberOfCompilerThreads): look again each second
            stats = scan();
            codeThreadStats = stats;
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

    private static boolean isCodeManager(String comm) {
        return comm.contains("CompilerThre") || comm.startsWith("Sweeper thread") || comm.startsWith("Service Thread");
    }

    private static List<Path> scan() {
        List<Path> stats = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm"));
                    if (isCodeManager(comm)) {
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
