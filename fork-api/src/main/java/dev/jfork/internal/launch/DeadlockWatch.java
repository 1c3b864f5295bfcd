package dev.jfork.internal.launch;

import dev.jfork.internal.io.ProcFile;
import dev.jfork.internal.vm.VmQuiescence;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Recognises a Java child that can never continue, at once rather than at its deadline. A child has
 * one thread; when that thread sleeps in an untimed wait on a <em>private</em> futex
 * ({@code FUTEX_WAIT} or {@code FUTEX_WAIT_BITSET} with {@code FUTEX_PRIVATE_FLAG} and no timeout),
 * only another thread of the same process could wake it, and there is none: a GC it asked for, a
 * class it loaded that needs the VM thread to deoptimise, a lock another thread held at the fork, an
 * {@code Object.wait()}. {@code /proc/<pid>/status} ({@code Threads: 1}) and
 * {@code /proc/<pid>/syscall} show exactly this; a timed sleep, a pipe read or a full pipe never do. A
 * child that started threads of its own is deadlocked when every one of them so waits
 * ({@link AllThreadsWaiting}).
 *
 * <p>One thread polls every live child: 10 ms after it is watched, then every
 * {@value #PERIOD_MILLIS} ms, under the fork lock so it never runs while a fork is made; only a deadline
 * that is due is acted on during a fork, and that fork's child is then discarded and forked again. Two looks in
 * a row in that state make it deadlocked. The same looks end children past their deadline (a forked
 * child's, a start handshake's, a pool task's), so that no timer thread wakes up around each fork:
 * a watched thread that runs while another fork is made has that child discarded and forked again. Where {@code /proc/<pid>/syscall} cannot be read (ptrace
 * restrictions), it says so once through {@link System.Logger} and the deadline stays the only bound.
 */
public final class DeadlockWatch {
    static final long PERIOD_MILLIS = 25;
    /** {@code __NR_futex} on aarch64 and on x86_64. */
    static final int FUTEX_AARCH64 = 98;
    static final int FUTEX_X86_64 = 202;
    /** ELF {@code e_machine} values. */
    static final int EM_X86_64 = 62;
    static final int EM_AARCH64 = 183;
    /** This JVM's own architecture, as it was compiled for. */
    static final int JVM_MACHINE = "aarch64".equals(System.getProperty("os.arch")) ? EM_AARCH64 : EM_X86_64;
    private static final int FUTEX_PRIVATE_FLAG = 128;
    private static final int FUTEX_CMD_MASK = 0x7f;
    private static final int FUTEX_WAIT = 0;
    private static final int FUTEX_WAIT_BITSET = 9;
    private static final int STRIKES = 2;

    private static final Set<Watched> LIVE = ConcurrentHashMap.newKeySet();
    private static final AtomicInteger RUNS_DESPITE_FORK = new AtomicInteger();
    private static final ScheduledThreadPoolExecutor POLLER = poller();
    private static ScheduledFuture<?> polling;
    private static volatile boolean unreadableReported;

    private DeadlockWatch() {
    }

    /** What is told when a child is seen deadlocked. */
    @FunctionalInterface
    public interface OnDeadlock {
        /**
         * @param afterMillis milliseconds since the watch began
         * @param cause what the child waits in and what to do about it, or null when not known
         */
        void deadlocked(long afterMillis, String cause);
    }

    /** One watched child. */
    public static final class Watched {
        final int pid;
        final long since = System.nanoTime();
        /** Null when only a deadline is watched (or the child's /proc can no longer be read). */
        volatile OnDeadlock onDeadlock;
        final long deadlineAt;
        final Runnable onDeadline;
        /** The look at its deadline, cancelled when it is unwatched. */
        volatile ScheduledFuture<?> atDeadline;
        int strikes;
        final String syscallPath;
        final String statusPath;
        /** The last futex wait seen ({@code /proc/<pid>/syscall}), and whether it looked deadlocked. */
        byte[] lastFutexWait;
        /** With more than one thread, each one's wait ({tid, syscall}) when all wait for ever; else null. */
        java.util.List<String[]> threadWaits;
        boolean lastFutexWaitSuspect;

        Watched(int pid, OnDeadlock onDeadlock, Duration deadline, Runnable onDeadline) {
            this.pid = pid;
            this.onDeadlock = onDeadlock;
            this.onDeadline = deadline == null ? null : onDeadline;
            this.deadlineAt = deadline == null ? 0 : since + deadline.toNanos();
            this.syscallPath = "/proc/" + pid + "/syscall";
            this.statusPath = "/proc/" + pid + "/status";
        }

        /** Whether {@code buffer} holds the same futex wait as the last look. */
        boolean sameFutexWait(byte[] buffer, int length) {
            byte[] last = lastFutexWait;
            return last != null && Arrays.equals(last, 0, last.length, buffer, 0, length);
        }
    }

    private static ScheduledThreadPoolExecutor poller() {
        ScheduledThreadPoolExecutor poller = new ScheduledThreadPoolExecutor(1, task -> {
            Thread t = new Thread(task, VmQuiescence.DEADLOCK_WATCH_THREAD);
            t.setDaemon(true);
            return t;
        });
        poller.setRemoveOnCancelPolicy(true);
        return poller;
    }

    /**
     * Starts watching a child: whether it deadlocked (a Java child), and its deadline. Both callbacks
     * run once at most, on the poller thread, under the fork lock (a deadline's, when a fork holds it,
     * without); either ends the watch.
     *
     * @param pid the child, not yet reaped
     * @param onDeadlock called with the milliseconds since the watch began and the cause, when known,
     *     when the child is deadlocked; it should kill the child. Null: not checked
     * @param deadline how long from now the child has, or null for none
     * @param onDeadline called when the deadline has passed; it should kill the child
     * @return the handle for {@link #unwatch}
     */
    public static Watched watch(int pid, OnDeadlock onDeadlock, Duration deadline, Runnable onDeadline) {
        Watched w = new Watched(pid, onDeadlock, deadline, onDeadline);
        LIVE.add(w);
        synchronized (DeadlockWatch.class) {
            if (polling == null) {
                polling = POLLER.scheduleWithFixedDelay(DeadlockWatch::poll, 10, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            }
        }
        if (w.onDeadline != null) {
            // one look at the deadline itself, not up to a period after it
            w.atDeadline = POLLER.schedule(DeadlockWatch::poll, deadline.toNanos() + 100_000, TimeUnit.NANOSECONDS);
        }
        return w;
    }

    /**
     * Stops watching; call it before the child is reaped.
     *
     * @param w the handle, or null
     */
    public static void unwatch(Watched w) {
        if (w != null) {
            LIVE.remove(w);
            ScheduledFuture<?> look = w.atDeadline;
            if (look != null) {
                look.cancel(false);
            }
        }
    }

    private static void poll() {
        if (LIVE.isEmpty()) {
            synchronized (DeadlockWatch.class) {
                if (LIVE.isEmpty() && polling != null) {
                    polling.cancel(false);
                    polling = null;
                }
            }
            return;
        }
        // between forks only: this thread is not checked after a fork, so it should not run while one is
        // made (a fork under way: the next look, a period later)
        if (ForkLauncher.betweenForks(() -> lookAndAct(false)) || !deadlineDue()) {
            return;
        }
        // a deadline is due, and a fork (up to 100 ms under load) holds the lock: the kill is not kept
        // waiting for it. This thread then runs during that fork, which is therefore discarded and made
        // again, as when one of the VM's threads ran (runsDespiteFork)
        runDespiteFork(() -> lookAndAct(true));
    }

    /**
     * Runs {@code action} now, even while a fork is made: a fork it overlaps is discarded (its child killed
     * before its go, and forked again), as when one of the VM's threads ran during it.
     */
    private static void runDespiteFork(Runnable action) {
        RUNS_DESPITE_FORK.incrementAndGet();
        try {
            action.run();
        } finally {
            RUNS_DESPITE_FORK.incrementAndGet();
        }
    }

    /** @return a count, odd while the poller acts during a fork: a fork that sees it odd or changed is discarded */
    static int runsDespiteFork() {
        return RUNS_DESPITE_FORK.get();
    }

    private static boolean deadlineDue() {
        long now = System.nanoTime();
        for (Watched w : LIVE) {
            if (w.onDeadline != null && now - w.deadlineAt >= 0) {
                return true;
            }
        }
        return false;
    }

    private static void lookAndAct(boolean deadlinesOnly) {
        // deadlines first: a look at every child's /proc files takes milliseconds under load
        List<Runnable> due = new ArrayList<>();
        long now = System.nanoTime();
        for (Watched w : LIVE) {
            if (w.onDeadline != null && now - w.deadlineAt >= 0 && LIVE.remove(w)) {
                due.add(w.onDeadline);
            }
        }
        if (!deadlinesOnly) {
            look(due);
        }
        for (Runnable action : due) {
            action.run();
        }
    }

    private static void look(List<Runnable> due) {
        long now = System.nanoTime();
        for (Watched w : LIVE) {
            if (w.onDeadlock != null && deadlocked(w)) {
                OnDeadlock action = w.onDeadlock;
                long after = TimeUnit.NANOSECONDS.toMillis(now - w.since);
                if (LIVE.remove(w)) {
                    String cause = w.threadWaits != null ? DeadlockCause.ofThreads(w.pid, w.threadWaits)
                        : DeadlockCause.of(w.pid, new String(w.lastFutexWait, StandardCharsets.US_ASCII));
                    due.add(() -> action.deadlocked(after, cause));
                }
            }
        }
    }

    /**
     * Whether it was seen deadlocked twice in a row. Cheapest first, and allocating next to nothing (after
     * a fork every page the parent writes costs a copy-on-write fault, which made the poller's own strings
     * most of its cost): {@code syscall} alone tells a child that runs or waits in anything but a futex;
     * a futex wait reads {@code status} and, when timed, the stack, once for as long as the wait is the
     * same (a single-threaded child asleep in the same call cannot have changed).
     */
    private static boolean deadlocked(Watched w) {
        byte[] buffer = ProcFile.buffer();
        boolean suspect;
        try {
            int length = ProcFile.read(w.syscallPath, buffer);
            long number = ProcFile.number(buffer, 0, length);
            if (number != FUTEX_X86_64 && number != FUTEX_AARCH64) {
                w.lastFutexWait = null;
                w.strikes = 0;
                return false;
            }
            if (w.sameFutexWait(buffer, length)) {
                suspect = w.lastFutexWaitSuspect;
            } else {
                byte[] wait = Arrays.copyOf(buffer, length);
                String syscall = new String(wait, StandardCharsets.US_ASCII);
                String status = new String(buffer, 0, ProcFile.read(w.statusPath, buffer), StandardCharsets.US_ASCII);
                int machine = KernelMachine.of(w.pid);
                int futex = machine == EM_AARCH64 ? FUTEX_AARCH64 : FUTEX_X86_64;
                boolean single = singleThreaded(status, machine != JVM_MACHINE);
                w.threadWaits = single ? null : AllThreadsWaiting.ifAllWait(w.pid, syscall, futex, machine != JVM_MACHINE);
                suspect = single ? asleepForever(syscall, futex)
                    || inFutexWait(syscall, futex) && DeadlockCause.enteringMonitor(w.pid, syscall)
                    : w.threadWaits != null;
                // kept only for one thread: the count can change while the wait stays the same (under qemu the
                // first look at a child in System.exit saw 3 threads for 2 in 3 of 6 runs; its wait, kept as not
                // suspect, was never looked at again, and the child was known only at its deadline)
                w.lastFutexWait = single ? wait : null;
                w.lastFutexWaitSuspect = suspect;
            }
        } catch (IOException | RuntimeException e) {
            // no more deadlock checks; a deadline, if any, is still watched
            w.onDeadlock = null;
            if (w.onDeadline == null) {
                LIVE.remove(w);
            }
            if (forbidden(e)) {
                reportUnreadable(w.pid, e);
            }
            // otherwise the child has just ended (a zombie's syscall file answers "No such process")
            return false;
        }
        if (suspect) {
            return ++w.strikes >= STRIKES;
        }
        w.strikes = 0;
        return false;
    }

    static boolean singleThreaded(String status) {
        return singleThreaded(status, false);
    }

    /**
     * Whether the child has one thread. Under user-mode emulation the kernel counts the emulator's
     * own helper thread too (qemu's RCU thread, made again in every forked child), so there two are one.
     */
    static boolean singleThreaded(String status, boolean emulated) {
        int at = status.indexOf("\nThreads:");
        if (at < 0) {
            return false;
        }
        int end = status.indexOf('\n', at + 1);
        String count = status.substring(at + "\nThreads:".length(), end < 0 ? status.length() : end).strip();
        return count.equals("1") || emulated && count.equals("2");
    }

    /**
     * Whether {@code /proc/<pid>/syscall} shows an untimed wait on a private futex: the syscall number
     * (decimal), then its six arguments (hex): address, operation, value, timeout, ...
     */
    static boolean asleepForever(String syscall) {
        return asleepForever(syscall, JVM_MACHINE == EM_AARCH64 ? FUTEX_AARCH64 : FUTEX_X86_64);
    }

    /**
     * As {@link #asleepForever(String)}, with the futex syscall number of the kernel's view.
     *
     * @param futex {@code __NR_futex} of the child's program as the kernel runs it
     */
    static boolean asleepForever(String syscall, int futex) {
        return futexWait(syscall, futex) == 0;
    }

    /** Whether it shows a wait on a private futex, with or without a timeout. */
    static boolean inFutexWait(String syscall, int futex) {
        return futexWait(syscall, futex) >= 0;
    }

    /** @return -1 when not a wait on a private futex, else its timeout argument (0: none) */
    private static long futexWait(String syscall, int futex) {
        String[] fields = syscall.strip().split(" ");
        if (fields.length < 5) {
            return -1;
        }
        try {
            if (Integer.parseInt(fields[0]) != futex) {
                return -1;
            }
            long op = Long.decode(fields[2]);
            long timeout = Long.decode(fields[4]);
            long cmd = op & FUTEX_CMD_MASK;
            boolean waits = (op & FUTEX_PRIVATE_FLAG) != 0 && (cmd == FUTEX_WAIT || cmd == FUTEX_WAIT_BITSET);
            return waits ? Math.max(0, timeout) : -1;
        } catch (NumberFormatException notASyscall) {
            // "running", or a state with no syscall
            return -1;
        }
    }

    /** Whether reading failed because this process may not look, rather than because the child ended. */
    static boolean forbidden(Exception e) {
        if (e instanceof AccessDeniedException) {
            return true;
        }
        String message = String.valueOf(e.getMessage());
        return message.contains("not permitted") || message.contains("Permission denied");
    }

    private static void reportUnreadable(int pid, Exception e) {
        if (!unreadableReported) {
            unreadableReported = true;
            System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: cannot read /proc/" + pid
                + "/syscall (" + e + "), so a deadlocked child is known only at its deadline;"
                + " ptrace restrictions (kernel.yama.ptrace_scope, a container's seccomp) forbid it here");
        }
    }
}
