package dev.jfork.internal.vm;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryUsage;
import java.util.List;

/**
 * Makes sure the young generation has room left before a fork. A child that needs a new TLAB when
 * eden is full asks for a GC, which waits forever for a VM thread the child does not have (measured,
 * gdb: {@code G1CollectedHeap::attempt_allocation_slow -> VMThread::execute}). When less than
 * {@link #MIN_HEADROOM_BYTES} is left, the parent allocates short-lived garbage until the collector
 * runs a young collection, here, in the parent, where it is cheap. Under Shenandoah, which has no eden,
 * the same is done for the heap (or its young generation): a child can allocate what it had free.
 */
public final class EdenHeadroom {
    /** System property: the megabytes of eden free before each fork ({@code Forker.MIN_FREE_EDEN_PROPERTY}). */
    public static final String MIN_FREE_EDEN_PROPERTY = "fork.minFreeEdenMb";
    /** Default for {@value #MIN_FREE_EDEN_PROPERTY}. */
    public static final int DEFAULT_MIN_FREE_EDEN_MB = 64;
    /** The least free eden a child starts with, unless eden is too small for it. */
    public static final long MIN_HEADROOM_BYTES = minHeadroom();
    private static final int CHUNK = 256 * 1024;
    private static final MemoryPoolMXBean EDEN = findEden();
    private static final List<GarbageCollectorMXBean> COLLECTORS = ManagementFactory.getGarbageCollectorMXBeans();
    /** Counts what each thread allocated, or null when this JVM does not. */
    private static final com.sun.management.ThreadMXBean ALLOCATIONS = allocationCounter();
    /**
     * How much eden's reported use may lag behind what was allocated: G1 reports it by whole regions,
     * updated as regions fill (two regions measured); other collectors report it as it is.
     */
    public static final long REPORT_LAG_BYTES = reportLag();
    /**
     * The share of eden, in percent, that G1 reports as committed beyond what it fills before it must
     * collect ({@code GCLockerEdenExpansionPercent}: measured, a child on a 1.3 GB eden deadlocked with 78 MB
     * still reported free); 0 for other collectors.
     */
    static final long OVERSTATED_PERCENT = overstatedPercent();
    private static volatile Object sink;

    private EdenHeadroom() {
    }

    private static MemoryPoolMXBean findEden() {
        MemoryPoolMXBean shenandoah = null;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().contains("Eden")) {
                return pool;
            }
            // Shenandoah has no eden: a child allocates in the whole heap ("Shenandoah"), or in its young
            // generation in its generational mode ("Shenandoah Young Gen", JDK 25)
            if (pool.getName().equals("Shenandoah") || pool.getName().equals("Shenandoah Young Gen")) {
                shenandoah = pool;
            }
        }
        return shenandoah;
    }

    /**
     * What a child can allocate in: eden's committed size, or, under Shenandoah (whose regions are committed
     * as they are allocated, with no VM operation), the pool's maximum.
     */
    private static long capacity(MemoryUsage usage) {
        return !EDEN.getName().startsWith("Shenandoah") || usage.getMax() <= 0 ? usage.getCommitted() : usage.getMax();
    }

    /** Returns whether a young collection was provoked. */
    public static boolean ensure() {
        if (EDEN == null) {
            return false;
        }
        MemoryUsage usage = EDEN.getUsage();
        long capacity = capacity(usage);
        long free = capacity - usage.getUsed();
        // at most three quarters of eden: a young collection must be able to provide it
        long wanted = Math.min(MIN_HEADROOM_BYTES, capacity / 4 * 3);
        if (capacity <= 0 || free >= wanted) {
            return false;
        }
        long collections = collections();
        long budget = free + 4 * MIN_HEADROOM_BYTES;
        for (long allocated = 0; allocated < budget && collections() == collections; allocated += CHUNK) {
            sink = new byte[CHUNK];
        }
        sink = null;
        return collections() != collections;
    }

    private static long minHeadroom() {
        String value = System.getProperty(MIN_FREE_EDEN_PROPERTY);
        long mb = DEFAULT_MIN_FREE_EDEN_MB;
        if (value != null && !value.isBlank()) {
            try {
                mb = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + MIN_FREE_EDEN_PROPERTY + "=" + value
                    + " is not a whole number of megabytes", e);
            }
        }
        return Math.max(0, mb) << 20;
    }

    /**
     * The eden a child can allocate in, as the collector reports it now.
     *
     * @return free bytes, or -1 when unknown
     */
    public static long freeBytes() {
        if (EDEN == null) {
            return -1;
        }
        MemoryUsage usage = EDEN.getUsage();
        return capacity(usage) - usage.getUsed();
    }

    /**
     * The eden a child can fill before a collection is needed, by the collector's report less what that
     * report overstates ({@link #REPORT_LAG_BYTES}, {@link #OVERSTATED_PERCENT} of eden under G1).
     *
     * @return bytes (possibly negative), or {@link Long#MIN_VALUE} when unknown
     */
    public static long roomBytes() {
        if (EDEN == null) {
            return Long.MIN_VALUE;
        }
        MemoryUsage usage = EDEN.getUsage();
        long committed = usage.getCommitted();
        return committed - usage.getUsed() - REPORT_LAG_BYTES - committed / 100 * OVERSTATED_PERCENT;
    }

    /**
     * What the calling thread has allocated so far (exact; in a child, whose only thread this is, all that
     * the child allocated).
     *
     * @return bytes, or -1 when this JVM does not count them
     */
    public static long allocatedByThisThread() {
        return ALLOCATIONS == null ? -1 : ALLOCATIONS.getCurrentThreadAllocatedBytes();
    }

    private static com.sun.management.ThreadMXBean allocationCounter() {
        try {
            java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            if (threads instanceof com.sun.management.ThreadMXBean) {
                com.sun.management.ThreadMXBean counter = (com.sun.management.ThreadMXBean) threads;
                if (counter.isThreadAllocatedMemorySupported() && counter.isThreadAllocatedMemoryEnabled()
                    && counter.getCurrentThreadAllocatedBytes() >= 0) {
                    return counter;
                }
            }
        } catch (RuntimeException | LinkageError unsupported) {
            // no counter: pool children are not retired for want of eden
        }
        return null;
    }

    private static long reportLag() {
        long region = g1RegionBytes();
        // the largest region G1 uses, when its size is not known
        return region == 0 ? 0 : 2 * (region > 0 ? region : 32 << 20);
    }

    /** @return G1's region size, 0 when G1 is not the collector, -1 when it is but its size is not known */
    private static long g1RegionBytes() {
        if (EDEN == null || !EDEN.getName().startsWith("G1")) {
            return 0;
        }
        try {
            return Long.parseLong(ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("G1HeapRegionSize").getValue());
        } catch (RuntimeException unknown) {
            return -1;
        }
    }

    /**
     * @return the size from which G1 allocates an object outside eden, as a user reads it ("512 KB or more
     *     here"), for the report of a child stuck allocating one
     */
    public static String humongousThresholdText() {
        long region = g1RegionBytes();
        return region > 0 ? (region / 2 >> 10) + " KB or more here" : "G1HeapRegionSize / 2 or more";
    }

    private static long overstatedPercent() {
        if (EDEN == null || !EDEN.getName().startsWith("G1")) {
            return 0;
        }
        try {
            String percent = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class)
                .getVMOption("GCLockerEdenExpansionPercent").getValue();
            // and one more: young-list rounding
            return Long.parseLong(percent) + 1;
        } catch (RuntimeException unknown) {
            // the flag is gone (a later JDK): what it was, and one more
            return 6;
        }
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : COLLECTORS) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }
}
