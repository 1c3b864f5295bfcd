package dev.jfork.internal.vm;

import dev.jfork.internal.io.ProcFile;
import dev.jfork.internal.launch.Reapers;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes the fork land at an instant when the JVM's own threads are idle. A child forked while one of
 * them holds a VM lock hangs forever when it needs that lock, and these locks are held only while their
 * owner runs. Measured with gdb, children hung on: the compile-queue lock
 * ({@code CompileBroker::compile_method_base}), the inline-cache lock
 * ({@code SharedRuntime::handle_wrong_method_ic_miss -> CompiledICLocker}), the arena chunk pool
 * ({@code Arena::grow -> ChunkPool}, while the child built a stack trace; compiler threads churn
 * arenas) and a GC safepoint in flight (the VM and GC threads). jfork's own reaper and watchdog
 * threads count too: right after a {@code call} returns they are still finishing, and their code asks
 * for compilations (gdb: a child hung in {@code Runtime1::counter_overflow -> compile_method_base}
 * one fork after the previous call, 3 in 2,490 calls).
 * <p>
 * Before the fork it waits, briefly, until none of the threads named like HotSpot's compiler,
 * sweeper, service, VM, GC, monitor-deflation and periodic-task threads, or like jfork's own (the
 * calling thread aside), is running or runnable ({@code /proc/self/task/<tid>/stat}), and notes how
 * long each has run so far ({@code schedstat}). Right after the fork, {@link IdleMoment#stayedIdle()}
 * reads those times again: a thread that ran in between may have taken a lock that the child now
 * holds a copy of forever, so jfork ({@code ForkLauncher}) kills that child before it is let start, and forks
 * again. Code that calls the raw {@link dev.jfork.spi.ProcessForker#fork()} can do the same. Elsewhere
 * than on Linux it does nothing. Application threads can still hold such locks: jfork cannot see that.
 */
public final class VmQuiescence {
    private static final Path TASKS = Path.of("/proc/self/task");
    private static final String SELF_STAT = "/proc/self/stat";
    private static final Path THREAD_SELF = Path.of("/proc/thread-self");
    private static volatile List<Task> watched;
    private static volatile long scannedAt;
    private static volatile int scannedThreadCount;

    private VmQuiescence() {
    }

    /**
     * Returns once none of those threads is running, or after {@code maxWait}.
     *
     * @param maxWait the longest wait
     * @return true when they were idle, false when the wait ran out or they cannot be seen (not Linux)
     */
    public static boolean awaitIdle(Duration maxWait) {
        return awaitIdleMoment(maxWait) != null;
    }

    /**
     * Like {@link #awaitIdle(Duration)}, and remembers how long each of those threads has run so far,
     * so that {@link IdleMoment#stayedIdle()} can tell, right after a fork, whether any of them ran
     * while the fork was made. Their run times are read before their states, so a thread idle then
     * and unchanged afterwards slept through the whole window.
     *
     * @param maxWait the longest wait
     * @return the idle moment; null when the wait ran out or this is not Linux
     */
    public static IdleMoment awaitIdleMoment(Duration maxWait) {
        long deadline = System.nanoTime() + maxWait.toNanos();
        while (true) {
            List<Task> tasks = watchedTasks();
            if (tasks.isEmpty()) {
                return null;
            }
            long[] runTimes = runTimes(tasks);
            if (runTimes != null && !anyRunning(tasks)) {
                return new IdleMoment(tasks, runTimes, threadCount());
            }
            if (System.nanoTime() >= deadline) {
                return null;
            }
            Thread.onSpinWait();
            try {
                Thread.sleep(0, 200_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
    }

    /**
     * An instant at which the watched threads were idle, with how long each had run by then. Take it
     * right before a fork and ask {@link #stayedIdle()} right after it, in the parent; a child forked
     * while one of them ran should be killed before it does anything, and forked again.
     */
    public static final class IdleMoment {
        private final List<Task> tasks;
        private final long[] runTimes;
        private final int threads;

        private IdleMoment(List<Task> tasks, long[] runTimes, int threads) {
            this.tasks = tasks;
            this.runTimes = runTimes;
            this.threads = threads;
        }

        /**
         * Whether none of the watched threads has run since this moment. False also when one of them
         * ended, or its run time cannot be read. The periodic housekeepers (periodic task, G1 service,
         * monitor deflation) are left out of this check: they wake every few to few hundred
         * milliseconds for a few microseconds, so a fork that copies large page tables (85 ms at
         * 2 GB resident, measured) nearly always overlaps one of their wakes; and what they do that
         * a child could block on (a safepoint, a handshake) is done by the VM thread, which is
         * checked. A thread that began or ended in the process meanwhile (its count changed) makes it
         * false too: starting and ending a thread take the VM's thread-list lock.
         *
         * @return true when all of them slept since
         */
        public boolean stayedIdle() {
            long[] now = runTimes(tasks);
            if (now == null || threadCount() != threads) {
                return false;
            }
            for (int i = 0; i < now.length; i++) {
                if (now[i] != runTimes[i] && tasks.get(i).checkedAfterFork) {
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * One look at one watched thread, the way {@link #awaitIdleMoment} and {@link IdleMoment#stayedIdle}
     * look at all of them: {@link PreWarm} calls it until it is compiled, so that those looks, made
     * right before and after each fork, send the JIT no work (its threads would wake in that window).
     */
    public static void warmUp() {
        List<Task> tasks = watched;
        if (tasks != null && !tasks.isEmpty()) {
            List<Task> one = tasks.subList(0, 1);
            runTimes(one);
            anyRunning(one);
        } else {
            watchedTasks();
        }
    }

    /** One watched thread's files. */
    private static final class Task {
        final Path stat;
        final String statFile;
        final String schedstatFile;
        final boolean checkedAfterFork;

        Task(Path dir, boolean checkedAfterFork) {
            this.stat = dir.resolve("stat");
            this.statFile = stat.toString();
            this.schedstatFile = dir.resolve("schedstat").toString();
            this.checkedAfterFork = checkedAfterFork;
        }
    }

    /** The watched threads, the calling one aside. */
    private static List<Task> watchedTasks() {
        List<Task> tasks = watched;
        long now = System.nanoTime();
        int threads = threadCount();
        if (tasks == null || threads != scannedThreadCount || now - scannedAt > 1_000_000_000L) {
            // threads come and go (dynamic compiler and GC threads, pooled reapers): look again
            // when their number changes, and each second
            tasks = scan();
            watched = tasks;
            scannedAt = now;
            scannedThreadCount = threads;
        }
        if (!Thread.currentThread().getName().startsWith(ThreadCheck.THREAD_NAME_PREFIX)) {
            return tasks;
        }
        Path self = selfStat();
        List<Task> others = new ArrayList<>(tasks.size());
        for (Task task : tasks) {
            if (!task.stat.equals(self)) {
                others.add(task);
            }
        }
        return others;
    }

    /** Each thread's time on a CPU, in ns (the first field of {@code schedstat}); null when one is gone. */
    private static long[] runTimes(List<Task> tasks) {
        long[] times = new long[tasks.size()];
        byte[] buffer = ProcFile.buffer();
        for (int i = 0; i < times.length; i++) {
            long time = -1;
            try {
                time = ProcFile.number(buffer, 0, ProcFile.read(tasks.get(i).schedstatFile, buffer));
            } catch (IOException gone) {
                // the thread ended
            }
            if (time < 0) {
                scannedAt = 0;
                return null;
            }
            times[i] = time;
        }
        return times;
    }

    private static boolean anyRunning(List<Task> tasks) {
        byte[] buffer = ProcFile.buffer();
        for (Task task : tasks) {
            try {
                int length = ProcFile.read(task.statFile, buffer);
                int state = ProcFile.statField(buffer, length, 3);
                if (state >= 0 && buffer[state] == 'R') {
                    return true;
                }
            } catch (IOException gone) {
                scannedAt = 0;
            }
        }
        return false;
    }

    /**
     * Thread names ({@code comm}, 15 characters at most) of HotSpot's threads that take the VM locks a
     * child needs, and jfork's own; each is waited for before the fork and checked after it.
     */
    private static final String[] VM_THREADS = {
        "C1 CompilerThre", "C2 CompilerThre", "Sweeper thread", "Service Thread", "VM Thread", "GC Thread",
        "G1 Main Marker", "G1 Conc", "G1 Refine", ThreadCheck.THREAD_NAME_PREFIX,
    };

    /**
     * HotSpot's periodic housekeepers: waited for before the fork, not checked after it (see
     * {@link IdleMoment#stayedIdle()}). The monitor-deflation thread asks, now and then, for a
     * handshake with every Java thread, which the VM thread then runs.
     */
    private static final String[] HOUSEKEEPERS = {"VM Periodic Tas", "G1 Service", "Monitor Deflati",
        "jfork-deadlock-", Reapers.THREAD_NAME_PREFIX};

    /*
     * jfork's reapers ({@link Reapers}) are left out of the check after a fork for the same reason: they
     * do Java work only under the fork lock, so what they can do during a fork is wake from a native
     * wait and wait for that lock. Before the change, 200 calls from 4 threads had 75 of their 80
     * discards caused by reapers that woke as other calls' children ended.
     */

    /**
     * The name of jfork's deadlock poller. It polls only between forks (under the fork lock), so it is
     * waited for before a fork like a housekeeper and, like them, not checked after it: its wake-ups
     * every few tens of milliseconds would otherwise make every long fork look busy.
     */
    public static final String DEADLOCK_WATCH_THREAD = "jfork-deadlock-watch";

    /** The number of threads, field 20 of {@code /proc/self/stat}; -1 when unknown. */
    private static int threadCount() {
        try {
            byte[] buffer = ProcFile.buffer();
            int length = ProcFile.read(SELF_STAT, buffer);
            int at = ProcFile.statField(buffer, length, 20);
            return at < 0 ? -1 : (int) ProcFile.number(buffer, at, length);
        } catch (IOException unknown) {
            return -1;
        }
    }

    /** The calling thread's {@code stat}, as {@link #scan()} names it. */
    private static Path selfStat() {
        try {
            Path task = Files.readSymbolicLink(THREAD_SELF);
            return TASKS.resolve(task.getFileName().toString()).resolve("stat");
        } catch (IOException | RuntimeException unknown) {
            return null;
        }
    }

    /**
     * Prefix of a pool's filler threads. They ask jfork's forking thread for their forks and wait, as a
     * user's thread calling {@code call} does, so they are watched no more than such a thread: not at all.
     * (Watched, they made nearly every fork of a pool's submitters discarded: 459 in 200 submissions from
     * 4 threads.) The forking thread itself ({@code ForkThread}) is watched like jfork's other threads by
     * a fork made elsewhere ({@code forkRaw}), and leaves itself out of its own forks' looks.
     */
    public static final String POOL_THREAD_PREFIX = ThreadCheck.THREAD_NAME_PREFIX + "pool-";

    private static boolean isVmThread(String comm) {
        if (comm.startsWith(POOL_THREAD_PREFIX)) {
            return false;
        }
        return startsWithAny(comm, VM_THREADS) || isHousekeeper(comm);
    }

    private static boolean isHousekeeper(String comm) {
        return startsWithAny(comm, HOUSEKEEPERS);
    }

    private static boolean startsWithAny(String comm, String[] prefixes) {
        for (String prefix : prefixes) {
            if (comm.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    private static List<Task> scan() {
        List<Task> found = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(TASKS)) {
            for (Path task : tasks) {
                try {
                    String comm = Files.readString(task.resolve("comm"));
                    if (isVmThread(comm)) {
                        found.add(new Task(task, !isHousekeeper(comm)));
                    }
                } catch (IOException gone) {
                    // the thread ended
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            return List.of();
        }
        return found;
    }
}
