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
 * runs a young collection, here, in the parent, where it is cheap.
 */
public final class EdenHeadroom {
    /** The least free eden a child starts with, unless eden is too small for it. */
    public static final long MIN_HEADROOM_BYTES = minHeadroom();
    private static final int CHUNK = 256 * 1024;
    private static final MemoryPoolMXBean EDEN = findEden();
    private static final List<GarbageCollectorMXBean> COLLECTORS = ManagementFactory.getGarbageCollectorMXBeans();
    private static volatile Object sink;

    private EdenHeadroom() {
    }

    private static MemoryPoolMXBean findEden() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().contains("Eden")) {
                return pool;
            }
        }
        return null;
    }

    /** Returns whether a young collection was provoked. */
    public static boolean ensure() {
        if (EDEN == null) {
            return false;
        }
        MemoryUsage usage = EDEN.getUsage();
        long free = usage.getCommitted() - usage.getUsed();
        // at most three quarters of eden: a young collection must be able to provide it
        long wanted = Math.min(MIN_HEADROOM_BYTES, usage.getCommitted() / 4 * 3);
        if (usage.getCommitted() <= 0 || free >= wanted) {
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
        String value = System.getProperty(dev.jfork.Forker.MIN_FREE_EDEN_PROPERTY);
        long mb = dev.jfork.Forker.DEFAULT_MIN_FREE_EDEN_MB;
        if (value != null && !value.isBlank()) {
            try {
                mb = Long.parseLong(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("-D" + dev.jfork.Forker.MIN_FREE_EDEN_PROPERTY + "=" + value
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
        return usage.getCommitted() - usage.getUsed();
    }

    private static long collections() {
        long n = 0;
        for (GarbageCollectorMXBean gc : COLLECTORS) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }
}
