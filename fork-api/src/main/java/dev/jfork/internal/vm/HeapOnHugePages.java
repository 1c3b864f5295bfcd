package dev.jfork.internal.vm;

import com.sun.management.HotSpotDiagnosticMXBean;
import dev.jfork.ErrnoException;
import dev.jfork.HugePageReport;
import dev.jfork.spi.MemoryAdvice;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Puts the live Java heap on transparent huge pages, without a restart: finds the heap's reservation
 * in {@code /proc/self/maps}, advises its committed ranges {@code MADV_HUGEPAGE} and collapses what is
 * resident with {@code MADV_COLLAPSE} (Linux 6.1+; before that the advice alone, and the kernel's
 * {@code khugepaged} collapses over time). Refuses, saying why, where it cannot.
 */
public final class HeapOnHugePages {
    private static final Path THP_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");
    private static final Path MAPS = Path.of("/proc/self/maps");
    private static final Path SMAPS_ROLLUP = Path.of("/proc/self/smaps_rollup");
    /** The JVM may map the top of its reservation (an archived heap region) apart: tolerated shortfall. */
    private static final long SLACK = 64L << 20;
    private static final long HUGE_PAGE = 2L << 20;

    private HeapOnHugePages() {
    }

    /**
     * Does it.
     *
     * @param advice the backend's {@code madvise}
     * @return what was done
     * @throws IllegalStateException when it cannot be done here, with the reason
     */
    public static synchronized HugePageReport apply(MemoryAdvice advice) {
        String mode = thpMode();
        if (!mode.contains("[madvise]") && !mode.contains("[always]")) {
            throw new IllegalStateException("jfork: transparent huge pages are off on this system (" + THP_MODE + ": "
                + mode + "); an administrator can set it to 'madvise'");
        }
        List<long[]> committed = heapCommittedRanges(maxHeapBytes());
        long start = System.nanoTime();
        long before = anonHugeKb();
        long bytes = 0;
        for (long[] range : committed) {
            advice.madvise(range[0], range[1] - range[0], MemoryAdvice.MADV_HUGEPAGE);
            bytes += range[1] - range[0];
        }
        // chunk by chunk: over a whole range, one chunk that cannot be collapsed (nothing resident there
        // yet) fails the call, and nothing is collapsed (measured: 0 of 380 MB; by 2 MB: every resident chunk)
        long chunks = 0;
        long failed = 0;
        boolean known = collapseKnown();
        for (long[] range : committed) {
            long from = (range[0] + HUGE_PAGE - 1) & -HUGE_PAGE;
            for (long at = from; known && at + HUGE_PAGE <= range[1]; at += HUGE_PAGE) {
                chunks++;
                try {
                    advice.madvise(at, HUGE_PAGE, MemoryAdvice.MADV_COLLAPSE);
                } catch (ErrnoException e) {
                    // EINVAL: nothing resident to collapse; EAGAIN, ENOMEM: no huge page free now
                    failed++;
                }
            }
        }
        long millis = (System.nanoTime() - start) / 1_000_000;
        long after = anonHugeKb();
        // a kernel that carries MADV_COLLAPSE out shows it in AnonHugePages; one that accepts and ignores it
        // (qemu-user passes unknown advice as success) or a heap already on huge pages does not
        boolean collapsed = known && after > before;
        String note;
        if (!known) {
            note = "MADV_COLLAPSE needs Linux 6.1+ (this is " + System.getProperty("os.version")
                + "): advised MADV_HUGEPAGE only, so the kernel's khugepaged collapses the heap over time";
        } else if (collapsed) {
            note = "collapsed with MADV_COLLAPSE, 2 MB at a time: " + (chunks - failed) * 2 + " MB; " + failed * 2
                + " MB left for the kernel to collapse later (not resident yet, or no huge page free)";
        } else {
            note = "MADV_COLLAPSE was accepted for " + (chunks - failed) * 2 + " MB but AnonHugePages did not grow ("
                + (before >> 10) + " MB): nothing was collapsed now (the heap was already on huge pages, or madvise"
                + " is not carried out here, e.g. under qemu-user emulation); MADV_HUGEPAGE is advised, so the"
                + " kernel's khugepaged may collapse it over time";
        }
        return new HugePageReport(bytes >> 20, before >> 10, after >> 10, collapsed, millis, note);
    }

    /** Whether this kernel knows {@code MADV_COLLAPSE}: Linux 6.1 or later. */
    private static boolean collapseKnown() {
        String[] version = System.getProperty("os.version", "0.0").split("[.-]");
        try {
            int major = Integer.parseInt(version[0]);
            int minor = version.length > 1 ? Integer.parseInt(version[1]) : 0;
            return major > 6 || major == 6 && minor >= 1;
        } catch (NumberFormatException unknown) {
            return false;
        }
    }

    private static String thpMode() {
        try {
            return Files.readString(THP_MODE).strip();
        } catch (IOException e) {
            throw new IllegalStateException("jfork: this kernel has no transparent huge pages (" + THP_MODE
                + " cannot be read: " + e + ")", e);
        }
    }

    private static long maxHeapBytes() {
        try {
            HotSpotDiagnosticMXBean vm = ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class);
            return Long.parseLong(vm.getVMOption("MaxHeapSize").getValue());
        } catch (RuntimeException notHotSpot) {
            return Runtime.getRuntime().maxMemory();
        }
    }

    /**
     * The committed ({@code rw-p}) parts of the run of adjacent anonymous mappings that is the heap's
     * reservation: the one whose length is the maximum heap size (less a little at its top, which the
     * JVM may map apart).
     */
    static List<long[]> heapCommittedRanges(long maxHeap) {
        List<String> lines;
        try {
            lines = Files.readAllLines(MAPS);
        } catch (IOException e) {
            throw new IllegalStateException("jfork: cannot read " + MAPS + " to find the Java heap: " + e, e);
        }
        List<List<long[]>> candidates = new ArrayList<>();
        List<long[]> run = new ArrayList<>();
        long runStart = -1;
        long runEnd = -1;
        for (String line : lines) {
            String[] f = line.trim().split("\\s+");
            int dash = f[0].indexOf('-');
            long from = Long.parseUnsignedLong(f[0], 0, dash, 16);
            long to = Long.parseUnsignedLong(f[0], dash + 1, f[0].length(), 16);
            boolean anonymous = f.length < 6 && "0".equals(f[4]);
            if (!anonymous || from != runEnd) {
                addIfHeap(candidates, run, runEnd - runStart, maxHeap);
                run = new ArrayList<>();
                runStart = from;
            }
            if (anonymous) {
                if (f[1].startsWith("rw")) {
                    run.add(new long[] {from, to});
                }
                runEnd = to;
            } else {
                runEnd = -1;
            }
        }
        addIfHeap(candidates, run, runEnd - runStart, maxHeap);
        if (candidates.size() > 1) {
            // another reservation of that size (seen at 512 MB): the heap's is the one whose committed
            // part is the heap's committed size
            long committed = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getCommitted();
            candidates.removeIf(ranges -> Math.abs(committedBytes(ranges) - committed) > SLACK);
        }
        if (candidates.size() != 1) {
            throw new IllegalStateException("jfork: cannot tell the Java heap in " + MAPS + ": " + candidates.size()
                + " anonymous reservations of its maximum size (" + (maxHeap >> 20) + " MB); start the JVM with"
                + " -XX:+UseTransparentHugePages instead");
        }
        return candidates.get(0);
    }

    private static long committedBytes(List<long[]> ranges) {
        long bytes = 0;
        for (long[] range : ranges) {
            bytes += range[1] - range[0];
        }
        return bytes;
    }

    private static void addIfHeap(List<List<long[]>> candidates, List<long[]> run, long length, long maxHeap) {
        if (!run.isEmpty() && length <= maxHeap && length >= maxHeap - SLACK) {
            candidates.add(run);
        }
    }

    /** {@code AnonHugePages} of this process, in kB. */
    private static long anonHugeKb() {
        try {
            for (String line : Files.readAllLines(SMAPS_ROLLUP)) {
                if (line.startsWith("AnonHugePages:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | RuntimeException unknown) {
            // reported as 0
        }
        return 0;
    }
}
