package dev.jfork.internal.launch;

import dev.jfork.internal.io.ProcFile;
import dev.jfork.internal.vm.VmRevival;
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
 * makes the child not deadlocked, except the VM thread of the child runtime, idle ({@link #idleVmThread}).
 * Under user-mode emulation the emulator's own thread (qemu's RCU thread,
 * in an untimed wait on a <em>shared</em> futex) is not counted, once.
 */
final class AllThreadsWaiting {
    private static final int FUTEX_PRIVATE_FLAG = 128;
    /** HotSpot's name for its VM thread, which the child runtime's revived thread takes too. */
    static final String VM_THREAD_NAME = "VM Thread";

    private AllThreadsWaiting() {
    }

    /**
     * For a child with more than one thread: {@link #syscalls} when its main thread waits for ever, or, with
     * the child runtime's VM thread ({@code -Dfork.childRuntime=vm}), enters a monitor that a thread of the
     * parent held (a timed park on JDK 17, as stuck as when it is alone: {@link DeadlockCause#enteringMonitor}).
     *
     * @param pid the child
     * @param syscall its main thread's {@code syscall} line
     * @param futex {@code __NR_futex} as the kernel numbers it
     * @param emulated whether the child runs under user-mode emulation
     * @return as {@link #syscalls}; null when the main thread does not so wait
     * @throws IOException when the child's threads cannot be listed (it ended)
     */
    static List<String[]> ifAllWait(int pid, String syscall, int futex, boolean emulated) throws IOException {
        boolean forever = DeadlockWatch.asleepForever(syscall, futex);
        boolean entering = !forever && VmRevival.active() && DeadlockWatch.inFutexWait(syscall, futex)
            && DeadlockCause.enteringMonitor(pid, syscall);
        return forever || entering ? syscalls(pid, futex, emulated, entering) : null;
    }

    /**
     * @param pid the child
     * @param futex {@code __NR_futex} as the kernel numbers it
     * @param emulated whether the child runs under user-mode emulation
     * @param mainEntersMonitor whether the main thread (tid = pid) was seen entering a monitor that a thread of
     *     the parent held, in a timed wait that is as good as for ever
     * @return each thread's {@code /proc/<pid>/task/<tid>/syscall} line, tid first, when all wait for
     *     ever; null when one does not
     * @throws IOException when the child's threads cannot be listed (it ended)
     */
    static List<String[]> syscalls(int pid, int futex, boolean emulated, boolean mainEntersMonitor) throws IOException {
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
                boolean timedButStuck = DeadlockWatch.inFutexWait(syscall, futex)
                    && (mainEntersMonitor && tid.equals(Integer.toString(pid)) || idleVmThread(pid, tid, syscall));
                if (DeadlockWatch.asleepForever(syscall, futex) || timedButStuck) {
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

    /**
     * Whether thread {@code tid} of child {@code pid} is the VM thread that the child runtime started again
     * ({@code -Dfork.childRuntime=vm}), idle: named "VM Thread" (as HotSpot names its own) and in a private
     * futex wait on {@code VMOperation_lock}'s condition variable, where it waits for an operation (JDK 17: with
     * a timeout of a second, after which it finds none and sleeps again; JDK 25: without one). It never wakes
     * another thread then, so it waits as good as for ever, and its wait says nothing of a deadlock's cause.
     *
     * @param pid the child
     * @param tid the thread
     * @param syscall its {@code syscall} line, known to be a private futex wait
     * @return true for the idle revived VM thread
     */
    static boolean idleVmThread(int pid, String tid, String syscall) {
        String[] f = syscall.strip().split(" ");
        try {
            if (f.length < 5 || !VmRevival.isIdleVmThreadWait(Long.decode(f[1]))) {
                return false;
            }
            byte[] buffer = ProcFile.buffer();
            String comm = new String(buffer, 0, ProcFile.read("/proc/" + pid + "/task/" + tid + "/comm", buffer),
                StandardCharsets.US_ASCII);
            return comm.strip().equals(VM_THREAD_NAME);
        } catch (NumberFormatException | IOException notIt) {
            return false;
        }
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
