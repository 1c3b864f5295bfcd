package dev.jfork.internal.vm;

import dev.jfork.spi.ProcessForker;
import dev.jfork.spi.ThreadStartCalls;
import dev.jfork.spi.VmThreadRevival;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The opt-in child runtime, milestone 1 ({@code -Dfork.childRuntime=vm}): HotSpot's VM thread started
 * again in a Java child, so that the child can collect garbage (SerialGC), deoptimise and reach safepoints
 * instead of waiting for ever. The parent finds, once, what the backend's native part needs (the mutexes
 * {@link VmMutexes} lists, the VM thread object and three of its functions, in libjvm.so's symbol table)
 * and checks what it relies on: the JDK (17 to 25), the collector (Serial only: G1's and Parallel's
 * collections run on worker threads the child does not have), the {@code Mutex} layout (every mutex's
 * name pointer read where the layout puts it; {@code VMOperation_lock}'s says "VMOperation_lock") and,
 * through the backend, the pthread objects' attributes. Where anything is off the child runs as before,
 * and {@link #unavailability} says why. The child, at an idle-moment fork, asks the backend to renew the
 * free mutexes and start the thread; the backend checks again, then writes only the child's memory.
 */
public final class VmRevival {
    /** System property: {@value #VM_THREAD_MODE} starts the VM thread again in each Java child (ChildRuntimeReport). */
    public static final String PROPERTY = "fork.childRuntime";
    /** {@link #PROPERTY}'s value that asks for the VM thread in each Java child. */
    public static final String VM_THREAD_MODE = "vm";
    /** {@link #PROPERTY}'s default: a child has only the thread that forked it. */
    public static final String OFF_MODE = "off";
    private static final String INIT_CURRENT = "_ZN6Thread25initialize_thread_currentEv";
    private static final String RECORD_STACK = "_ZN6Thread26record_stack_base_and_sizeEv";
    private static final String LOOP = "_ZN8VMThread4loopEv";
    private static final String VM_THREAD = "_ZN8VMThread10_vm_threadE";
    private static final String OPERATION_LOCK = "VMOperation_lock";
    /** Zero at an idle moment: no safepoint, no VM operation running or queued. */
    private static final String[] IDLE_WORDS = {"_ZN20SafepointSynchronize6_stateE",
        "_ZN8VMThread17_cur_vm_operationE", "_ZN8VMThread18_next_vm_operationE"};
    private static final int STT_OBJECT = 1;
    private static final int STT_FUNC = 2;
    /** JDKs whose layout was seen (17.0.15/17.0.21, Temurin 25.0.3). */
    private static final int OLDEST = 17;
    private static final int NEWEST = 25;
    /** SerialGC's collectors, as the management beans name them. */
    private static final Set<String> SERIAL = Set.of("Copy", "MarkSweepCompact");
    /** HotSpot's {@code Mutex}: the owner word, then {@code os::PlatformMonitor} (a pthread mutex, a condvar). */
    private static final int MUTEX_OFFSET = 8;
    private static final int PTHREAD_COND_SIZE = 48;

    private static final AtomicBoolean LOGGED = new AtomicBoolean();
    /** Each backend's answer to the parent's check: empty when it can. */
    private static final Map<String, String> CHECKED = new java.util.concurrent.ConcurrentHashMap<>();
    private static volatile Located located;
    /** What the last child's start returned; in a child only. */
    private static volatile int lastChildResult = -1;
    /** How long {@link #startInChild} took in this child, in ns; -1 when it was not called. */
    private static volatile long lastChildNanos = -1;

    private VmRevival() {
    }

    /** What the parent found: every field fixed before any child reads it. */
    static final class Located {
        final long[] mutexes;
        /** The backend's full layout: the fixed words, then the words that must be 0. */
        final long[] layout;
        /** The fixed words only, for the parent's check (its own VM thread may be busy at any time). */
        final long[] checkLayout;
        /** The condition variable the idle VM thread waits on, with a timeout. */
        final long idleCondStart;
        final String why;

        Located(long[] mutexes, long[] layout, long idleCondStart, String why) {
            this.mutexes = mutexes;
            this.layout = layout;
            this.checkLayout = layout.length >= VmThreadRevival.LAYOUT_WORDS
                ? java.util.Arrays.copyOf(layout, VmThreadRevival.LAYOUT_WORDS) : layout;
            this.idleCondStart = idleCondStart;
            this.why = why;
        }

        static Located not(String why) {
            return new Located(new long[0], new long[0], 0, why);
        }
    }

    /**
     * @return whether {@link #PROPERTY} asks for the VM thread
     * @throws IllegalArgumentException when it has a value other than {@code vm} or {@code off}
     */
    public static boolean requested() {
        String mode = System.getProperty(PROPERTY, OFF_MODE).strip();
        if (mode.equals(VM_THREAD_MODE)) {
            return true;
        }
        if (mode.equals(OFF_MODE) || mode.isEmpty()) {
            return false;
        }
        throw new IllegalArgumentException("-D" + PROPERTY + "=" + mode + " is not known: use "
            + VM_THREAD_MODE + " (a child gets its VM thread back) or " + OFF_MODE);
    }

    /**
     * In the parent: why a child of {@code backend} cannot have its VM thread back here.
     *
     * @param backend the backend
     * @return null when it can; otherwise the reason
     */
    public static String unavailability(ProcessForker backend) {
        Located l = locate();
        if (l.why != null) {
            return l.why;
        }
        // per backend, once: the backend checks every mutex's pthread objects (a read each)
        String why = CHECKED.computeIfAbsent(backend.name(), name -> {
            int r = start(backend, l.mutexes, l.checkLayout, false);
            return r == VmThreadRevival.OK ? "" : describe(name, r);
        });
        return why.isEmpty() ? null : why;
    }

    /**
     * In the parent, when a Java child's plan is made: whether the child starts its VM thread. When it
     * was asked for and cannot be had, the reason is logged once.
     *
     * @param backend the backend
     * @return true when asked for and available
     */
    public static boolean forChild(ProcessForker backend) {
        if (!requested()) {
            return false;
        }
        String why = unavailability(backend);
        if (why != null && LOGGED.compareAndSet(false, true)) {
            System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: -D" + PROPERTY
                + "=" + VM_THREAD_MODE + ", but a child cannot have its VM thread back: " + why
                + ". Children run as without it: a collection or a deoptimisation there waits for ever and is"
                + " reported as a deadlock.");
        }
        return why == null;
    }

    /**
     * In a child, before its start byte, at an idle-moment fork: renews the free mutexes and starts the VM
     * thread. Few steps, no allocation.
     *
     * @param backend the backend
     * @return the backend's result, {@link VmThreadRevival#OK} when the thread was started
     */
    public static int startInChild(ProcessForker backend) {
        long began = System.nanoTime();
        Located l = located;
        if (l == null || l.why != null) {
            lastChildResult = VmThreadRevival.BAD_ARGUMENTS << 16;
        } else {
            lastChildResult = start(backend, l.mutexes, l.layout, true);
        }
        lastChildNanos = System.nanoTime() - began;
        return lastChildResult;
    }

    /**
     * The backend's {@link ProcessForker#startVmThread}, or, on a backend that has no start of its own but
     * binds {@link ThreadStartCalls}, jfork's own made of those calls ({@link VmThreadStart}).
     *
     * @param backend the backend
     * @param mutexes HotSpot's mutexes
     * @param layout the layout words
     * @param start whether to start (in a child)
     * @return the result, in {@link VmThreadRevival}'s numbers
     */
    public static int start(ProcessForker backend, long[] mutexes, long[] layout, boolean start) {
        int r = backend.startVmThread(mutexes, layout, start);
        ThreadStartCalls calls = VmThreadRevival.check(r) == VmThreadRevival.UNSUPPORTED ? backend.threadStartCalls() : null;
        if (calls != null) {
            r = VmThreadStart.run(calls, mutexes, layout, start);
        }
        return r;
    }

    /**
     * @param result what {@link #startInChild} returned
     * @return whether the child should end unstarted, to be forked again an instant later: a thread of the
     *     parent was in Java or VM code, or the VM thread was busy, at its fork
     */
    public static boolean forkAgain(int result) {
        int check = VmThreadRevival.check(result);
        return check == VmThreadRevival.THREAD_UNSAFE || check == VmThreadRevival.BUSY;
    }

    /**
     * @return what {@link #startInChild} returned in this child, -1 when it was not called
     */
    public static int lastChildResult() {
        return lastChildResult;
    }

    /**
     * @return how long {@link #startInChild} took in this child (the checks, the renewal, the start and the
     *     wait until the VM thread is idle), in ns; -1 when it was not called (for the bench)
     */
    public static long lastChildNanos() {
        return lastChildNanos;
    }

    /**
     * Whether a thread of a child in a futex wait at {@code address} with a timeout is the revived VM
     * thread, idle: it waits on {@code VMOperation_lock}'s condition variable, with a timeout only there
     * (a thread that waits for an operation to finish waits on it without one). It wakes every second and
     * goes back to sleep: while every other thread of the child waits for ever, so does the child.
     *
     * @param address the futex word's address
     * @return true for the idle VM thread's wait
     */
    public static boolean isIdleVmThreadWait(long address) {
        Located l = located;
        return l != null && l.why == null && address >= l.idleCondStart && address < l.idleCondStart + PTHREAD_COND_SIZE;
    }

    /** @return whether children may have a revived VM thread: asked for, and found available in this JVM */
    public static boolean active() {
        Located l = located;
        return l != null && l.why == null && CHECKED.containsValue("");
    }

    /** {@link VmThreadRevival#THREAD_UNSAFE}'s detail when no JavaThread is the forking thread, or two are. */
    static final int FORKING_THREAD_NOT_FOUND = 0xffff;

    static String describe(String backend, int result) {
        int detail = VmThreadRevival.detail(result);
        switch (VmThreadRevival.check(result)) {
            case VmThreadRevival.UNSUPPORTED:
                return detail == 1 ? "jfork's start routine for the VM thread is x86_64 only for now"
                    : backend + " has no start of its own for the VM thread and binds no ThreadStartCalls";
            case VmThreadRevival.UNREADABLE:
                return "HotSpot mutex #" + detail + " cannot be read";
            case VmThreadRevival.MUTEX_KIND:
                return "HotSpot mutex #" + detail + " is not a PTHREAD_MUTEX_NORMAL mutex where the layout puts it";
            case VmThreadRevival.COND_CLOCK:
                return "HotSpot mutex #" + detail + "'s condition variable does not use CLOCK_MONOTONIC where the"
                    + " layout puts it";
            case VmThreadRevival.NO_VM_THREAD:
                return "VMThread::_vm_thread is not set";
            case VmThreadRevival.BUSY:
                return "the VM thread was not idle at the fork (" + IDLE_WORDS[Math.min(detail, IDLE_WORDS.length - 1)]
                    + " was set)";
            case VmThreadRevival.THREAD_UNSAFE:
                return detail == FORKING_THREAD_NOT_FOUND
                    ? "the forking thread is not one of HotSpot's Java threads (OSThread::_pthread_id)"
                    : "Java thread #" + detail + " of the parent was neither blocked nor in native code at the fork";
            case VmThreadRevival.NOT_SEEN_IDLE:
                return "the VM thread was started but not seen idle within 2 s";
            case VmThreadRevival.ATTRIBUTES:
                return "the pthread attributes or the start routine's pages could not be made (error " + detail + ")";
            case VmThreadRevival.THREAD_FAILED:
                return "pthread_create failed with errno " + detail;
            default:
                return backend + " refused the VM thread's start with code 0x" + Integer.toHexString(result);
        }
    }

    /** @return what the parent found, looked for once */
    static Located locate() {
        Located l = located;
        if (l == null) {
            synchronized (VmRevival.class) {
                l = located;
                if (l == null) {
                    l = find();
                    located = l;
                }
            }
        }
        return l;
    }

    private static Located find() {
        int feature = Runtime.version().feature();
        if (feature < OLDEST || feature > NEWEST) {
            return Located.not("JDK " + feature + " is not one whose layout is known here (" + OLDEST + " to "
                + NEWEST + ")");
        }
        Set<String> collectors = new TreeSet<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collectors.add(gc.getName());
        }
        if (!collectors.equals(SERIAL)) {
            return Located.not("the collector is " + collectors + ", not SerialGC (-XX:+UseSerialGC): milestone 1"
                + " starts only the VM thread, and other collectors need their worker threads too");
        }
        String arch = System.getProperty("os.arch");
        int mutexSize;
        if (arch.equals("amd64") || arch.equals("x86_64")) {
            mutexSize = 40;
        } else if (arch.equals("aarch64")) {
            // glibc's aarch64 pthread_mutex_t is 48 bytes, but the revival has not been run there yet
            // (2026-12-07: x86_64 only): until a run verifies it, the child runs as before
            return Located.not("the child runtime is not yet verified on aarch64 (x86_64 only for now)");
        } else {
            return Located.not("the " + arch + " architecture's pthread layout is not known here");
        }
        try {
            return layout(mutexSize);
        } catch (IOException | RuntimeException e) {
            return Located.not("libjvm.so cannot be read as expected: " + e);
        }
    }

    static Located layout(int mutexSize) throws IOException {
        List<String> names = new java.util.ArrayList<>(List.of(INIT_CURRENT, RECORD_STACK, LOOP, VM_THREAD, OPERATION_LOCK));
        names.addAll(List.of(IDLE_WORDS));
        Map<String, long[]> found = LibjvmSymbols.find(names);
        for (String name : names) {
            long[] s = found.get(name);
            boolean function = name.equals(INIT_CURRENT) || name.equals(RECORD_STACK) || name.equals(LOOP);
            if (s == null) {
                return Located.not("libjvm.so has no symbol " + name + " (no symbol table, or another JDK)");
            }
            if (function ? s[2] != STT_FUNC : s[2] != STT_OBJECT || (s[1] != 4 && s[1] != 8)) {
                return Located.not("libjvm.so's " + name + " is not the " + (function ? "function" : "4- or 8-byte object")
                    + " expected (type " + s[2] + ", size " + s[1] + ")");
            }
        }
        VmMutexes list = VmMutexes.locate();
        long[] mutexes = list.addresses();
        if (mutexes.length == 0) {
            return Located.not(list.describe());
        }
        int condOffset = MUTEX_OFFSET + mutexSize;
        int nameOffset = condOffset + PTHREAD_COND_SIZE;
        long operationLock = LibjvmSymbols.readLong(found.get(OPERATION_LOCK)[0]);
        boolean listed = false;
        for (long m : mutexes) {
            String name = LibjvmSymbols.cString(LibjvmSymbols.readLong(m + nameOffset));
            if (name == null) {
                return Located.not("the mutex at 0x" + Long.toHexString(m) + " has no name " + nameOffset
                    + " bytes in: its layout is not the one known here");
            }
            if (m == operationLock) {
                if (!name.equals(OPERATION_LOCK)) {
                    return Located.not(OPERATION_LOCK + " is named '" + name + "' where its layout puts the name");
                }
                listed = true;
            }
        }
        if (!listed) {
            return Located.not(OPERATION_LOCK + " is not among the " + mutexes.length + " mutexes listed");
        }
        long[] layout = new long[VmThreadRevival.LAYOUT_WORDS + 2 * IDLE_WORDS.length];
        layout[0] = MUTEX_OFFSET;
        layout[1] = condOffset;
        layout[2] = found.get(VM_THREAD)[0];
        layout[3] = found.get(INIT_CURRENT)[0];
        layout[4] = found.get(RECORD_STACK)[0];
        layout[5] = found.get(LOOP)[0];
        layout[6] = operationLock + condOffset;
        VmStructs structs = VmStructs.read();
        long anchor = structs.field("JavaThread::_anchor");
        layout[7] = structs.field("ThreadsSMRSupport::_java_thread_list");
        layout[8] = structs.field("ThreadsList::_length");
        layout[9] = structs.field("ThreadsList::_threads");
        layout[10] = structs.field("JavaThread::_thread_state");
        layout[11] = anchor + structs.field("JavaFrameAnchor::_last_Java_sp");
        layout[12] = anchor + structs.field("JavaFrameAnchor::_last_Java_pc");
        layout[13] = structs.constant("_thread_in_native");
        layout[14] = structs.constant("_thread_blocked");
        // to tell the forking thread from the dead ones in a child (pthread_self is the same there)
        layout[15] = structs.firstField("Thread::_osthread", "JavaThread::_osthread");
        layout[16] = structs.field("OSThread::_pthread_id");
        for (int i = 0; i < IDLE_WORDS.length; i++) {
            long[] s = found.get(IDLE_WORDS[i]);
            layout[VmThreadRevival.LAYOUT_WORDS + 2 * i] = s[0];
            layout[VmThreadRevival.LAYOUT_WORDS + 2 * i + 1] = s[1];
        }
        return new Located(mutexes, layout, operationLock + condOffset, null);
    }
}
