package dev.jfork.internal.launch;

import dev.jfork.internal.vm.EdenHeadroom;
import dev.jfork.internal.vm.LibjvmSymbols;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Says what a deadlocked child was waiting in, and what to do about it, from two things the parent can
 * read before it kills the child: the futex address in {@code /proc/<pid>/syscall}, matched against
 * HotSpot's named locks ({@code Terminator_lock}: the child is in {@code System.exit}; {@code
 * VMOperation_lock}: it waits for the VM thread), and the return addresses on the child's stack, matched
 * against a few HotSpot functions ({@code JVM_Halt}, {@code JVM_GC}, G1's allocation slow paths (eden's and a humongous object's), Shenandoah's wait for a collection,
 * {@code Deoptimization::deoptimize_all_marked}, {@code ObjectMonitor::wait}, {@code Unsafe_Park}). Both
 * are found in {@code libjvm.so}'s symbol table; a JVM without one, or a child whose stack is not its own
 * (under user-mode emulation the kernel shows the emulator's), gets what the lock alone tells, or
 * nothing. Measured in children of a JDK 17 parent: the functions lay 250-1000 bytes above the stack
 * pointer. A stale word in a frame can name a function that already returned, so the lock decides first
 * and the stack only refines it.
 */
final class DeadlockCause {
    /** What a child can be stuck in, most telling first. */
    enum Kind {
        EXIT("in System.exit or Runtime.halt, which wait for the JVM's other threads (System.exit had run"
            + " the parent's shutdown hooks in the child: guard one that must not act in a child with a flag set"
            + " by ForkHooks.registerAfterInChild): end a forked task by returning from it (for fork, its return"
            + " value is the exit code) or by throwing"),
        SYSTEM_GC("in System.gc(): a collection needs the JVM's GC and VM threads; do not ask for one in a child"),
        ALLOCATION("allocating: the young generation (under Shenandoah, the heap) it had free at the fork is"
            + " used up and a collection needs the VM thread or the collector's, which a child does not have; allocate less in the child, or give children room (-Dfork.minFreeEdenMb=N,"
            + " or a larger -Xmn)"),
        HUMONGOUS("allocating a humongous object (half a G1 region or more: "
            + EdenHeadroom.humongousThresholdText() + "), which G1 places outside the young generation and for"
            + " which it first needs a collection or a concurrent marking cycle: both need the VM thread and G1's"
            + " threads, which a child does not have; keep large arrays out of the child (pass a file, or send"
            + " them in parts), or give G1 larger regions (-XX:G1HeapRegionSize=)"),
        DEOPTIMISATION("loading a class for the first time, which made compiled code invalid, and undoing that"
            + " needs the VM thread; load it in the parent first with Forker.preload(TheClass.class)"),
        VM_OPERATION("waiting for the VM thread (a collection, a deoptimisation or another VM operation),"
            + " which a child does not have"),
        OBJECT_WAIT("in Object.wait(): no thread that could notify it exists in the child"),
        PARK("parked (LockSupport.park: a lock, a Future, a queue, a thread pool): no thread that could"
            + " unpark it exists in the child"),
        MONITOR_ENTRY("entering a synchronized block or method whose monitor a thread of the parent held at"
            + " the fork; take that monitor in a ForkHooks before hook, so that no thread holds it then");

        final String text;

        Kind(String text) {
            this.text = text;
        }
    }

    /** A named lock's object, from its address: the futex a waiter sleeps on lies within it. */
    private static final int MUTEX_BYTES = 128;
    /** How much of the stack above its pointer is read. */
    private static final int STACK_BYTES = 8 * 1024;
    /**
     * How much is read for a <em>timed</em> wait, whose child is deadlocked only when it enters a monitor:
     * the park is a few native frames deep (344 and 488 bytes above the pointer on JDK 17, x86_64); not
     * more, where a stale word could make a sleeping child look deadlocked.
     */
    private static final int MONITOR_STACK_BYTES = 4 * 1024;
    private static final Map<String, Kind> FUNCTIONS = Map.ofEntries(
        Map.entry("JVM_Halt", Kind.EXIT),
        Map.entry("_Z11before_exitP10JavaThreadb", Kind.EXIT),
        Map.entry("JVM_GC", Kind.SYSTEM_GC),
        Map.entry("_ZN15G1CollectedHeap23attempt_allocation_slowEmb", Kind.ALLOCATION),
        Map.entry("_ZN15G1CollectedHeap23attempt_allocation_slowEjmb", Kind.ALLOCATION),
        // a humongous allocation: it waits for a collection, or for a concurrent cycle it asked for (JDK 17, 25)
        Map.entry("_ZN15G1CollectedHeap28attempt_allocation_humongousEm", Kind.HUMONGOUS),
        Map.entry("_ZN15G1CollectedHeap12mem_allocateEmPb", Kind.ALLOCATION),
        // Shenandoah's wait for a collection when the heap is used up, JDK 17 and JDK 25
        Map.entry("_ZN23ShenandoahControlThread20handle_alloc_failureER22ShenandoahAllocRequest", Kind.ALLOCATION),
        Map.entry("_ZN20ShenandoahController20handle_alloc_failureERK22ShenandoahAllocRequestb", Kind.ALLOCATION),
        Map.entry("_ZN14Deoptimization21deoptimize_all_markedEP7nmethod", Kind.DEOPTIMISATION),
        Map.entry("_ZN14Deoptimization21deoptimize_all_markedEv", Kind.DEOPTIMISATION),
        Map.entry("_ZN8VMThread7executeEP12VM_Operation", Kind.VM_OPERATION),
        Map.entry("_ZN13ObjectMonitor4waitElbP10JavaThread", Kind.OBJECT_WAIT),
        Map.entry("JVM_MonitorWait", Kind.OBJECT_WAIT),
        Map.entry("Unsafe_Park", Kind.PARK),
        Map.entry("_ZN13ObjectMonitor5enterEP10JavaThread", Kind.MONITOR_ENTRY),
        Map.entry("_ZN13ObjectMonitor6EnterIEP10JavaThread", Kind.MONITOR_ENTRY));
    private static final AtomicBoolean LOCATED = new AtomicBoolean();
    /** Start, end and kind ordinal of each function found, in threes. */
    private static volatile long[] functions = new long[0];
    /** The named locks' objects by address. */
    private static volatile TreeMap<Long, String> locks = new TreeMap<>();
    /** The poller's buffer, kept: it is the only thread that reads a child's stack here. */
    private static final byte[] STACK = new byte[STACK_BYTES];

    private DeadlockCause() {
    }

    /**
     * In the parent, once per JVM, before the first fork (one pass over the symbol table, 30-70 ms
     * natively): finds the functions and the named locks (a child has them at the same addresses).
     */
    static void locateOnce() {
        if (LOCATED.get() || !LOCATED.compareAndSet(false, true)) {
            return;
        }
        try {
            List<Long> found = new ArrayList<>();
            TreeMap<Long, String> named = new TreeMap<>();
            for (Map.Entry<String, long[]> f : LibjvmSymbols.find(List.copyOf(FUNCTIONS.keySet()), "_lock").entrySet()) {
                long[] symbol = f.getValue();
                Kind kind = FUNCTIONS.get(f.getKey());
                if (kind != null && symbol[1] > 0) {
                    found.add(symbol[0]);
                    found.add(symbol[0] + symbol[1]);
                    found.add((long) kind.ordinal());
                } else if (kind == null) {
                    long mutex = LibjvmSymbols.readLong(symbol[0]);
                    if (mutex != 0) {
                        named.put(mutex, f.getKey());
                    }
                }
            }
            functions = found.stream().mapToLong(Long::longValue).toArray();
            locks = named;
        } catch (IOException | RuntimeException unknown) {
            // not known: a deadlocked child is still reported, with the list of likely causes
        }
    }

    /**
     * @param pid a child seen deadlocked, not yet killed
     * @param syscall its {@code /proc/<pid>/syscall}: number, six arguments, stack pointer, program counter
     * @return what it waits in and what to do, or null when not known
     */
    static String of(int pid, String syscall) {
        Told told = tell(pid, syscall);
        return told == null ? null : told.text();
    }

    /**
     * For a child with several threads, all waiting for ever: the most telling of their causes.
     *
     * @param pid the child, not yet killed
     * @param threads each thread's {tid, {@code syscall} line}
     * @return "all N of its threads wait for ever; one is ..." (N without the child runtime's idle VM thread; with
     *     it alone, the cause as for one thread), or null when no thread's cause is known
     */
    static String ofThreads(int pid, List<String[]> threads) {
        Told best = null;
        int own = 0;
        for (String[] thread : threads) {
            if (AllThreadsWaiting.idleVmThread(pid, thread[0], thread[1])) {
                // the child runtime's VM thread, idle: its wait on VMOperation_lock says nothing of the cause,
                // and it is jfork's thread, not one of the task's
                continue;
            }
            own++;
            Told told = tell(pid, thread[1]);
            if (told != null && (best == null || told.rank() < best.rank())) {
                best = told;
            }
        }
        if (best == null) {
            return null;
        }
        return own == 1 ? best.text() : "all " + own + " of its threads wait for ever; one is " + best.text();
    }

    /** What one thread's wait tells: the lower the rank, the more it says. */
    private record Told(double rank, String text) {
    }

    /** @return what one thread's wait tells, or null when nothing does */
    private static Told tell(int pid, String syscall) {
        String[] fields = syscall.strip().split(" ");
        if (fields.length < 9) {
            return null;
        }
        try {
            String lock = lockAt(Long.decode(fields[1]));
            Kind kind = decide(lock, kindsOnStack(pid, Long.decode(fields[7]), STACK_BYTES));
            if (kind != null) {
                return new Told(kind.ordinal(), kind.text);
            }
            // a VM lock held at the fork tells more than a wait for a thread, less than a VM operation
            return lock == null ? null : new Told(Kind.VM_OPERATION.ordinal() + 0.5, heldAtFork(lock));
        } catch (NumberFormatException notAWait) {
            return null;
        }
    }

    /**
     * Whether a child's only thread, in a <em>timed</em> futex wait, is entering a Java monitor
     * ({@code synchronized}) that a thread of the parent owned: on JDK 17 HotSpot parks such a thread with a
     * timeout (the monitor's "responsible" waiter re-checks every 1 to 1000 ms), so it never looks asleep for
     * ever and was known only at its deadline (20 s of 20 s; JDK 25 parks it without one). It is known by a
     * return address inside {@code ObjectMonitor::EnterI} or {@code ObjectMonitor::enter} on its stack; a
     * user's own timed wait ({@code Thread.sleep}, {@code Object.wait(ms)}, {@code parkNanos}) has neither.
     *
     * @param pid the child
     * @param syscall its {@code /proc/<pid>/syscall}
     * @return whether a monitor-entry frame is on its stack
     */
    static boolean enteringMonitor(int pid, String syscall) {
        String[] fields = syscall.strip().split(" ");
        if (functions.length == 0 || fields.length < 9) {
            return false;
        }
        try {
            return kindsOnStack(pid, Long.decode(fields[7]), MONITOR_STACK_BYTES)[Kind.MONITOR_ENTRY.ordinal()];
        } catch (NumberFormatException notAWait) {
            return false;
        }
    }

    /** @return the named lock whose object holds {@code futex}, or null */
    static String lockAt(long futex) {
        Map.Entry<Long, String> below = locks.floorEntry(futex);
        return below != null && futex - below.getKey() < MUTEX_BYTES ? below.getValue() : null;
    }

    /**
     * The lock decides what the stack may refine: a stale word on the stack can name a function that
     * already returned, but the lock is the one waited on now.
     *
     * @param lock the named lock waited on, or null
     * @param onStack which kinds' functions are on the stack, by ordinal
     * @return the cause, or null when neither tells
     */
    static Kind decide(String lock, boolean[] onStack) {
        if ("Terminator_lock".equals(lock) || onStack[Kind.EXIT.ordinal()]) {
            return Kind.EXIT;
        }
        if ("VMOperation_lock".equals(lock) || lock == null && onStack[Kind.VM_OPERATION.ordinal()]) {
            for (Kind k : new Kind[] {Kind.SYSTEM_GC, Kind.DEOPTIMISATION, Kind.HUMONGOUS, Kind.ALLOCATION}) {
                if (onStack[k.ordinal()]) {
                    return k;
                }
            }
            return Kind.VM_OPERATION;
        }
        if (lock != null) {
            return null;
        }
        // last, allocation: Shenandoah waits for its collector on a lock of its own, not the VM thread's
        for (Kind k : new Kind[] {Kind.OBJECT_WAIT, Kind.PARK, Kind.MONITOR_ENTRY, Kind.ALLOCATION}) {
            if (onStack[k.ordinal()]) {
                return k;
            }
        }
        return null;
    }

    /** @return the named lock's own sentence, for a lock that is not one of those {@link #decide} knows */
    static String heldAtFork(String lock) {
        return "waiting for HotSpot's " + lock + ", which a thread of the parent held at the fork; fork when"
            + " that thread is idle";
    }

    private static boolean[] kindsOnStack(int pid, long stackPointer, int bytes) {
        boolean[] found = new boolean[Kind.values().length];
        long[] known = functions;
        if (known.length == 0) {
            return found;
        }
        int length = 0;
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            mem.seek(stackPointer);
            int n;
            while (length < bytes && (n = mem.read(STACK, length, bytes - length)) > 0) {
                length += n;
            }
        } catch (IOException | RuntimeException unreadable) {
            // the end of the stack's mapping, or not this process's stack: what was read is looked at
        }
        for (int at = 0; at + 8 <= length; at += 8) {
            long word = 0;
            for (int b = 7; b >= 0; b--) {
                word = (word << 8) | (STACK[at + b] & 0xff);
            }
            for (int f = 0; f < known.length; f += 3) {
                if (word >= known[f] && word < known[f + 1]) {
                    found[(int) known[f + 2]] = true;
                }
            }
        }
        return found;
    }
}
