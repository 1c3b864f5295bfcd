package dev.jfork.internal.launch;

import dev.jfork.internal.vm.LibjvmSymbols;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Whether a child's only thread is waiting to enter a Java monitor ({@code synchronized}): the monitor's
 * owner is a thread of the parent, so the child can never get it. On JDK 17 HotSpot parks such a
 * thread with a timeout (the monitor's "responsible" waiter re-checks every 1 to 1000 ms), so it does
 * not look asleep for ever and was known only at its deadline (measured: 20 s of 20 s; JDK 25 parks it
 * without one and is caught by the untimed-wait rule in 48 ms). It is known by its stack instead: a
 * return address inside {@code ObjectMonitor::EnterI} or {@code ObjectMonitor::enter}, read from
 * {@code /proc/<pid>/mem} above the stack pointer that {@code /proc/<pid>/syscall} shows. A user's own
 * timed wait ({@code Thread.sleep}, {@code Object.wait(ms)}, {@code parkNanos}) has neither there.
 * Used by {@link DeadlockWatch}'s one poller thread only.
 */
final class MonitorEntryWait {
    private static final List<String> FUNCTIONS = List.of("_ZN13ObjectMonitor6EnterIEP10JavaThread",
        "_ZN13ObjectMonitor5enterEP10JavaThread");
    private static final int STT_FUNC = 2;
    /** How much of the stack above its pointer is looked at: the park is a few native frames deep (the
     * frames were 344 and 488 bytes above it on JDK 17, x86_64); not more, where stale words could lie. */
    private static final int STACK_BYTES = 4 * 1024;
    private static final AtomicBoolean LOCATED = new AtomicBoolean();
    /** Start and end addresses of the functions, in pairs; empty when not known. */
    private static volatile long[] ranges = new long[0];
    /** The poller's buffer, kept: allocating on every look would cost the parent page faults. */
    private static final byte[] STACK = new byte[STACK_BYTES];

    private MonitorEntryWait() {
    }

    /** In the parent, once per JVM: finds the functions (a child has them at the same addresses). */
    static void locateOnce() {
        if (LOCATED.get() || !LOCATED.compareAndSet(false, true)) {
            return;
        }
        try {
            Map<String, long[]> found = LibjvmSymbols.find(FUNCTIONS);
            long[] pairs = new long[2 * found.size()];
            int i = 0;
            for (long[] symbol : found.values()) {
                if (symbol[2] == STT_FUNC && symbol[1] > 0) {
                    pairs[i++] = symbol[0];
                    pairs[i++] = symbol[0] + symbol[1];
                }
            }
            ranges = java.util.Arrays.copyOf(pairs, i);
        } catch (IOException | RuntimeException unknown) {
            // not known: such a child is reported at its deadline, as before
            ranges = new long[0];
        }
    }

    /**
     * @param pid a child whose only thread is in a futex wait with a timeout
     * @param syscall its {@code /proc/<pid>/syscall}: number, six arguments, stack pointer, program counter
     * @return whether a monitor-entry frame is on its stack
     */
    static boolean entering(int pid, String syscall) {
        long[] known = ranges;
        String[] fields = syscall.strip().split(" ");
        if (known.length == 0 || fields.length < 9) {
            return false;
        }
        int length = 0;
        try (RandomAccessFile mem = new RandomAccessFile("/proc/" + pid + "/mem", "r")) {
            mem.seek(Long.decode(fields[7]));
            int n;
            while (length < STACK.length && (n = mem.read(STACK, length, STACK.length - length)) > 0) {
                length += n;
            }
        } catch (IOException | RuntimeException unreadable) {
            // the end of the stack's mapping, or the child is gone: what was read is looked at
        }
        for (int at = 0; at + 8 <= length; at += 8) {
            long word = 0;
            for (int b = 7; b >= 0; b--) {
                word = (word << 8) | (STACK[at + b] & 0xff);
            }
            for (int r = 0; r < known.length; r += 2) {
                if (word >= known[r] && word < known[r + 1]) {
                    return true;
                }
            }
        }
        return false;
    }
}
