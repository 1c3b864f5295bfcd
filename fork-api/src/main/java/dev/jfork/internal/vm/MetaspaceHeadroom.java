package dev.jfork.internal.vm;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.util.Locale;
import javax.management.ObjectName;

/**
 * Makes sure metaspace may grow a little before a fork. A class defined for the first time in a child
 * (a JDK class its task reaches that the parent never used) takes metaspace; when that would take the
 * committed metaspace past the VM's metaspace GC threshold, HotSpot asks for a collection, which waits
 * for ever for a VM thread the child does not have (gdb: {@code Metaspace::allocate ->
 * CollectedHeap::satisfy_failed_metadata_allocation -> VMThread::execute}; measured: {@code String.format}
 * of a {@code BigInteger} loading {@code MutableBigInteger} in a child, after the conformance kit had
 * filled metaspace to just under its threshold). When less than {@link #MIN_HEADROOM_BYTES} is left below
 * the threshold ({@code MetaspaceGC::_capacity_until_GC}, read from this process's memory, or {@code
 * VM.metaspace}'s "Current GC threshold" where libjvm.so has no such symbol; read again only when committed
 * metaspace has changed), the parent runs a full collection itself, after which HotSpot raises the threshold. Where
 * the threshold cannot be read, or a collection did not raise it (a {@code MaxMetaspaceSize} reached,
 * {@code -XX:+DisableExplicitGC}), nothing more is done, and that is logged once.
 */
public final class MetaspaceHeadroom {
    /** The least room below the metaspace GC threshold a child starts with. */
    public static final long MIN_HEADROOM_BYTES = 4L << 20;
    private static final MemoryPoolMXBean METASPACE = find();
    private static final String THRESHOLD = "Current GC threshold:";
    /** HotSpot's metaspace GC threshold in bytes, a {@code size_t} (JDK 17 to 25). */
    private static final String CAPACITY_UNTIL_GC_SYMBOL = "_ZN11MetaspaceGC18_capacity_until_GCE";
    private static final long CAPACITY_UNTIL_GC = locateCapacityUntilGc();
    private static volatile long committedAtRead = -1;
    private static volatile long thresholdBytes = -1;
    /** The threshold at which a collection did not make room: not tried again until it changes. */
    private static volatile long gaveUpAt = -1;
    private static volatile boolean reported;

    private MetaspaceHeadroom() {
    }

    private static MemoryPoolMXBean find() {
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getName().equals("Metaspace")) {
                return pool;
            }
        }
        return null;
    }

    /**
     * Runs a collection in the parent when metaspace is close to its GC threshold.
     *
     * @return whether one was run
     */
    public static synchronized boolean ensure() {
        if (METASPACE == null) {
            return false;
        }
        long committed = METASPACE.getUsage().getCommitted();
        if (committed != committedAtRead) {
            thresholdBytes = threshold();
            committedAtRead = committed;
        }
        long threshold = thresholdBytes;
        if (threshold < 0 || threshold - committed >= MIN_HEADROOM_BYTES || threshold == gaveUpAt) {
            return false;
        }
        System.gc();
        committedAtRead = METASPACE.getUsage().getCommitted();
        thresholdBytes = threshold();
        if (thresholdBytes - committedAtRead < MIN_HEADROOM_BYTES) {
            gaveUpAt = thresholdBytes;
            report("a collection left " + (thresholdBytes - committedAtRead) + " bytes below the metaspace GC"
                + " threshold; a class first defined in a child may deadlock it (raise -XX:MaxMetaspaceSize,"
                + " or preload such classes with Forker.preload)");
        }
        return true;
    }

    /**
     * @return the room left below the metaspace GC threshold now, in bytes; -1 when unknown
     */
    public static long headroomBytes() {
        long threshold = threshold();
        return METASPACE == null || threshold < 0 ? -1 : threshold - METASPACE.getUsage().getCommitted();
    }

    /**
     * @return the metaspace GC threshold in bytes: HotSpot's {@code MetaspaceGC::_capacity_until_GC}, read
     *     from this process's memory; where {@code libjvm.so} has no such symbol, from {@code VM.metaspace};
     *     -1 when neither can be read
     */
    static long threshold() {
        long at = CAPACITY_UNTIL_GC;
        if (at != 0) {
            try {
                return LibjvmSymbols.readLong(at);
            } catch (java.io.IOException unreadable) {
                // as without the symbol
            }
        }
        return thresholdFromCommand();
    }

    /**
     * {@code MetaspaceGC::_capacity_until_GC}'s address, 0 when not found. Found once: the diagnostic command
     * needs the platform MBean server, whose logging MXBean initialises {@code java.util.logging.LogManager}
     * before the application may have configured it (repro PreloadFreezesJdkConfig).
     */
    private static long locateCapacityUntilGc() {
        try {
            long[] symbol = LibjvmSymbols.find(java.util.List.of(CAPACITY_UNTIL_GC_SYMBOL)).get(CAPACITY_UNTIL_GC_SYMBOL);
            return symbol != null && symbol[1] == 8 ? symbol[0] : 0;
        } catch (java.io.IOException | RuntimeException unknown) {
            return 0;
        }
    }

    /** @return the threshold from {@code VM.metaspace}, through the platform MBean server; -1 when unreadable */
    static long thresholdFromCommand() {
        try {
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "vmMetaspace",
                new Object[] {new String[] {"basic"}}, new String[] {String[].class.getName()});
            long bytes = parseThreshold(String.valueOf(out));
            if (bytes < 0) {
                report("VM.metaspace gave no '" + THRESHOLD + "' line");
            }
            return bytes;
        } catch (Exception | LinkageError e) {
            report("VM.metaspace could not be read (" + e + ")");
            return -1;
        }
    }

    /**
     * @param report {@code VM.metaspace}'s output
     * @return the bytes of its "Current GC threshold: 21.00 MB" line; -1 without one
     */
    static long parseThreshold(String report) {
        int at = report.indexOf(THRESHOLD);
        if (at < 0) {
            return -1;
        }
        int end = report.indexOf('\n', at);
        String[] value = report.substring(at + THRESHOLD.length(), end < 0 ? report.length() : end).strip()
            .split("\\s+");
        if (value.length < 2) {
            return -1;
        }
        try {
            double number = Double.parseDouble(value[0]);
            switch (value[1].toUpperCase(Locale.ROOT)) {
                case "B":
                    return (long) number;
                case "KB":
                    return (long) (number * 1024);
                case "MB":
                    return (long) (number * 1024 * 1024);
                case "GB":
                    return (long) (number * 1024 * 1024 * 1024);
                default:
                    return -1;
            }
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static void report(String what) {
        if (!reported) {
            reported = true;
            System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: " + what
                + "; metaspace headroom is not kept before forks");
        }
    }
}
