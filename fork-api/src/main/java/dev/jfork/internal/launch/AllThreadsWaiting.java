package dev.jfork.internal.launch;

import dev.jfork.internal.io.ProcFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A child with more than one thread is deadlocked when <em>every</em> thread sleeps in an untimed wait
 * on a private futex: only a thread of the same process could wake one, and none is awake. A child may
 * start threads (an executor, a {@code CompletableFuture}; measured: they run), and one of them can need
 * what no child has: a thread that calls {@code System.gc()} while the task's thread joins it was known
 * only at the deadline (15 s of 15 s) before. A thread that runs, sleeps with a timeout or reads a pipe
 * makes the child not deadlocked. Under user-mode emulation the emulator's own thread (qemu's RCU thread,
 * in an untimed wait on a <em>shared</em> futex) is not counted, once.
 */
final class AllThreadsWaiting {
    private static final int FUTEX_PRIVATE_FLAG = 128;

    private AllThreadsWaiting() {
    }

    /**
     * @param pid the child
     * @param futex {@code __NR_futex} as the kernel numbers it
     * @param emulated whether the child runs under user-mode emulation
     * @return each thread's {@code /proc/<pid>/task/<tid>/syscall} line, tid first, when all wait for
     *     ever; null when one does not
     * @throws IOException when the child's threads cannot be listed (it ended)
     */
    static List<String[]> syscalls(int pid, int futex, boolean emulated) throws IOException {
        List<String[]> waits = new ArrayList<>();
        boolean emulatorSeen = false;
        byte[] buffer = ProcFile.buffer();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/" + pid + "/task"))) {
            for (Path task : tasks) {
                String tid = task.getFileName().toString();
                String syscall;
                try {
                    syscall = new String(buffer, 0, ProcFile.read("/proc/" + pid + "/task/" + tid + "/syscall", buffer),
                        StandardCharsets.US_ASCII);
                } catch (IOException ended) {
                    // the thread ended as it was listed: it was not waiting
                    return null;
                }
                if (DeadlockWatch.asleepForever(syscall, futex)) {
                    waits.add(new String[] {tid, syscall});
                } else if (emulated && !emulatorSeen && sharedWaitForever(syscall, futex)) {
                    emulatorSeen = true;
                } else {
                    return null;
                }
            }
        }
        return waits.size() > 0 ? waits : null;
    }

    /** An untimed {@code FUTEX_WAIT} without the private flag: qemu's RCU thread's. */
    static boolean sharedWaitForever(String syscall, int futex) {
        String[] f = syscall.strip().split(" ");
        try {
            return f.length >= 5 && Integer.parseInt(f[0]) == futex && (Long.decode(f[2]) & FUTEX_PRIVATE_FLAG) == 0
                && (Long.decode(f[2]) & 0x7f) == 0 && Long.decode(f[4]) == 0;
        } catch (NumberFormatException notASyscall) {
            return false;
        }
    }
}
