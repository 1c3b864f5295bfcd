package dev.jfork.internal.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;

/**
 * HotSpot's own named mutexes ({@code Heap_lock}, {@code MethodCompileQueue_lock}, {@code Compile_lock},
 * {@code CodeCache_lock} and some 90 more), looked at in a child before its start byte. Any thread of the
 * parent may hold one at the fork, the application's too, which {@link VmQuiescence} cannot see; the
 * child, which has none of those threads, then waits for ever at its first need of it (a new TLAB region,
 * a compilation request, a class). Measured with three threads allocating and formatting strings, a
 * look at a random instant found {@code Heap_lock} held 2.1-2.4% of the time, the compile queue's 1.1-1.3%,
 * {@code VMOperation_lock} 0.7-1.0% (JDK 17 and 25): about one fork in twenty.
 *
 * <p>HotSpot lists them for its error reports ({@code _mutex_array} and {@code _num_mutex} in
 * {@code mutexLocker.cpp} up to JDK 20, {@code Mutex::_mutex_array} since), each a {@code Mutex} whose
 * first word is its owner thread, null when free (JDK 17 and 25, x86_64 and aarch64). The parent finds
 * them once, in libjvm.so's symbol table; the child reads the span of memory that holds them from
 * {@code /proc/self/mem} in one read and looks at each owner word. Not found or not recognised (a JDK
 * without a symbol table, another layout): nothing is looked at, and the deadlock poller still reports
 * such a child within a second.
 */
final class VmMutexes {
    private static final List<String> SYMBOLS = List.of("_ZL12_mutex_array", "_ZL10_num_mutex",
        "_ZN5Mutex12_mutex_arrayE", "_ZN5Mutex10_num_mutexE");
    /** Fewer or more than this many is not the list this class knows. */
    private static final int FEWEST = 16;
    private static final int MOST = 1024;
    /** The longest span read in a child (the mutexes lay within 12-17 KB of each other, measured). */
    private static final int LONGEST_SPAN = 256 * 1024;

    /** Where the span starts, 0 when nothing is looked at. */
    private final long spanStart;
    /** Each mutex's owner word, as an offset into the span. */
    private final int[] ownerOffsets;
    /** Filled in the child; allocated in the parent. */
    private final byte[] span;
    private final String description;

    private VmMutexes(long spanStart, int[] ownerOffsets, byte[] span, String description) {
        this.spanStart = spanStart;
        this.ownerOffsets = ownerOffsets;
        this.span = span;
        this.description = description;
    }

    /**
     * In the parent: finds the mutexes.
     *
     * @return them, or an instance that looks at nothing and says why
     */
    static VmMutexes locate() {
        try {
            Map<String, long[]> found = LibjvmSymbols.find(SYMBOLS);
            long array;
            long count;
            String name;
            long[] symbol;
            if (found.containsKey("_ZL12_mutex_array") && found.containsKey("_ZL10_num_mutex")) {
                symbol = found.get("_ZL12_mutex_array");
                count = LibjvmSymbols.readLong(found.get("_ZL10_num_mutex")[0]) & 0xffffffffL;
                name = "_mutex_array";
            } else if (found.containsKey("_ZN5Mutex12_mutex_arrayE") && found.containsKey("_ZN5Mutex10_num_mutexE")) {
                symbol = found.get("_ZN5Mutex12_mutex_arrayE");
                count = LibjvmSymbols.readLong(found.get("_ZN5Mutex10_num_mutexE")[0]) & 0xffffffffL;
                name = "Mutex::_mutex_array";
            } else {
                return none("libjvm.so has no symbol _mutex_array (no symbol table, or another JDK)");
            }
            // the array itself (JDK 17: 128 pointers, 1024 bytes), or a pointer to it (JDK 25: 8 bytes)
            array = symbol[1] == 8 ? LibjvmSymbols.readLong(symbol[0]) : symbol[0];
            if (count < FEWEST || count > MOST || array == 0) {
                return none(name + " holds " + count + " mutexes, not a list known here");
            }
            long[] mutexes = new long[(int) count];
            long lowest = Long.MAX_VALUE;
            long highest = 0;
            try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "r")) {
                byte[] pointers = new byte[8 * (int) count];
                mem.seek(array);
                mem.readFully(pointers);
                ByteBuffer words = ByteBuffer.wrap(pointers).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < count; i++) {
                    long at = words.getLong(8 * i);
                    if (at == 0 || (at & 7) != 0) {
                        return none(name + "[" + i + "] is 0x" + Long.toHexString(at) + ", not a mutex");
                    }
                    mutexes[i] = at;
                    lowest = Math.min(lowest, at);
                    highest = Math.max(highest, at);
                }
            }
            if (highest - lowest + 8 > LONGEST_SPAN) {
                return none("the " + count + " mutexes span " + (highest - lowest) + " bytes, more than one read");
            }
            int[] offsets = new int[mutexes.length];
            for (int i = 0; i < mutexes.length; i++) {
                offsets[i] = (int) (mutexes[i] - lowest);
            }
            VmMutexes located = new VmMutexes(lowest, offsets, new byte[(int) (highest - lowest + 8)],
                count + " VM mutexes (" + name + ")");
            // their owner words are null nearly always (each held well under 3% of the time, measured):
            // mostly non-null, the first word is not the owner in this JDK
            int held = located.countHeld();
            if (held < 0 || held > count / 4) {
                return none(name + ": " + held + " of " + count + " first words are set, not a layout known here");
            }
            return located;
        } catch (IOException | RuntimeException e) {
            return none(String.valueOf(e.getMessage()));
        }
    }

    private static VmMutexes none(String why) {
        return new VmMutexes(0, new int[0], new byte[0], "VM mutexes not checked: " + why);
    }

    /** @return the mutexes' addresses, none when nothing is looked at ({@link VmRevival} renews them) */
    long[] addresses() {
        long[] at = new long[ownerOffsets.length];
        for (int i = 0; i < at.length; i++) {
            at[i] = spanStart + ownerOffsets[i];
        }
        return at;
    }

    /** @return what is looked at, or why nothing is */
    String describe() {
        return description;
    }

    /**
     * In the child, before its start byte (few steps, no allocation, one read): whether a mutex had an
     * owner at the fork. The loop runs interpreted in a child: its count stays far below the one at
     * which the interpreter would ask the JIT for work, which takes one of these very locks.
     *
     * @return true when one was held; false when none was, or they cannot be read
     */
    boolean anyHeld() {
        return countHeld() > 0;
    }

    /** @return how many were held, -1 when the span cannot be read; 0 when nothing is looked at */
    private int countHeld() {
        if (spanStart == 0) {
            return 0;
        }
        try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "r")) {
            mem.seek(spanStart);
            mem.readFully(span);
        } catch (IOException unreadable) {
            return -1;
        }
        // one pass, no calls: a helper called per mutex would pass the interpreter's invocation
        // thresholds in a few forks and be compiled with profiling, whose counters ask the JIT for work
        byte[] bytes = span;
        int held = 0;
        for (int o : ownerOffsets) {
            if ((bytes[o] | bytes[o + 1] | bytes[o + 2] | bytes[o + 3] | bytes[o + 4] | bytes[o + 5] | bytes[o + 6]
                    | bytes[o + 7]) != 0) {
                held++;
            }
        }
        return held;
    }
}
