package dev.jfork.internal.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Turns Shenandoah's allocation pacing off in a child, where no collector runs to end it. Under
 * {@code -XX:+UseShenandoahGC} a thread that allocates past the budget the last cycle left waits up to
 * {@code ShenandoahPacingMaxDelay} (10 ms) for the collector's progress at each new TLAB, in a <em>timed</em>
 * wait (gdb: {@code ShenandoahHeap::allocate_memory -> ShenandoahPacer::pace_for_alloc -> Monitor::wait(long)}).
 * In a child nothing replenishes that budget: a task crawled at 10 ms a TLAB, looked asleep rather than
 * stuck, and was reported hung at its deadline (5 s of 5 s) as "a timed wait". Without pacing, a child
 * allocates at full speed from what the heap had free, and when that is used up it waits for a collection
 * for ever ({@code handle_alloc_failure}), which the deadlock poller reports within a second.
 *
 * <p>The flag is a global of {@code libjvm.so} ({@code bool ShenandoahPacing}), read at every allocation
 * that needs a new TLAB. The parent finds it in the symbol table and only reads it; each child writes 0
 * into its own copy through {@code /proc/self/mem}. A JDK outside 17 to 25, a missing symbol, a size that is
 * not a bool's or a value that is not 1 are not written: the child runs as before, and the reason is logged
 * once.
 */
public final class ShenandoahPacing {
    private static final String SYMBOL = "ShenandoahPacing";
    private static final AtomicBoolean LOCATED = new AtomicBoolean();
    private static final byte OFF = 0;
    /** The flag's address, 0 when it is not to be written. */
    private static volatile long flag;
    /** What was found, or why nothing is written. */
    private static volatile String found = "not looked for yet";

    private ShenandoahPacing() {
    }

    /** In the parent, once per JVM, before the first fork: finds the flag when Shenandoah runs. */
    public static void locateOnce() {
        if (LOCATED.get() || !LOCATED.compareAndSet(false, true)) {
            return;
        }
        if (!shenandoahInUse()) {
            found = "not Shenandoah";
            return;
        }
        String why;
        try {
            why = locate();
        } catch (IOException | RuntimeException e) {
            why = "cannot be read: " + e;
        }
        if (why != null) {
            flag = 0;
            found = why;
            System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: Shenandoah's allocation pacing"
                + " stays on in children (" + why + "): a child that allocates past the budget of the last cycle"
                + " slows to one TLAB per 10 ms; start the JVM with -XX:+UnlockExperimentalVMOptions"
                + " -XX:-ShenandoahPacing, or use SerialGC, ParallelGC or G1");
        }
    }

    /** @return null when the flag was found on (and {@link #flag} is set), else why nothing is written */
    private static String locate() throws IOException {
        int feature = Runtime.version().feature();
        if (feature < 17 || feature > 25) {
            return "JDK " + feature + " is not one this was checked on (17 to 25)";
        }
        long[] symbol = LibjvmSymbols.find(List.of(SYMBOL)).get(SYMBOL);
        if (symbol == null) {
            return "libjvm.so has no symbol " + SYMBOL + " (no symbol table, or another JDK)";
        }
        if (symbol[1] != 1) {
            return SYMBOL + " is " + symbol[1] + " bytes, not a bool";
        }
        int value = (int) (LibjvmSymbols.readLong(symbol[0]) & 0xff);
        if (value == 0) {
            found = "off already (-XX:-ShenandoahPacing)";
            return null;
        }
        if (value != 1) {
            return SYMBOL + " reads " + value + ", not a bool";
        }
        flag = symbol[0];
        found = SYMBOL + " at 0x" + Long.toHexString(symbol[0]) + ", written 0 in each child";
        return null;
    }

    /** @return what each child does, or why nothing (for diagnostics and tests) */
    public static String describe() {
        return found;
    }

    /**
     * In the child, before its start byte: pacing off. The parent's warm-up ({@code realChild} false) makes
     * the same calls on {@code /dev/null}, so that none runs for the first time in a child.
     *
     * @param realChild whether this is a forked child (else the parent's warm-up)
     */
    public static void offInChild(boolean realChild) {
        long at = flag;
        if (at == 0) {
            return;
        }
        try (RandomAccessFile target = new RandomAccessFile(realChild ? "/proc/self/mem" : "/dev/null", "rw")) {
            target.seek(at);
            target.write(OFF);
        } catch (IOException unwritable) {
            // the child runs paced, as before; the parent's warm-up saw the same path work
        }
    }

    private static boolean shenandoahInUse() {
        for (GarbageCollectorMXBean collector : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (collector.getName().startsWith("Shenandoah")) {
                return true;
            }
        }
        return false;
    }
}
