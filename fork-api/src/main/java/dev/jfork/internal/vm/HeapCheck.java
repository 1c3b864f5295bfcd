package dev.jfork.internal.vm;

import dev.jfork.ForkRefusedException;
import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Refuses to fork a JVM whose heap is a shared mapping. Measured under ZGC: the heap is a
 * {@code memfd} mapped shared, so the child's writes land in the parent's heap and corrupt it.
 */
public final class HeapCheck {
    private static volatile String refusal;
    private static volatile boolean checked;

    private HeapCheck() {
    }

    public static void requirePrivateHeap() {
        if (!checked) {
            synchronized (HeapCheck.class) {
                if (!checked) {
                    refusal = findSharedHeap();
                    checked = true;
                }
            }
        }
        if (refusal != null) {
            throw new ForkRefusedException(refusal);
        }
    }

    private static String findSharedHeap() {
        String sharedHeapLine = null;
        try (Stream<String> lines = Files.lines(Path.of("/proc/self/maps"))) {
            sharedHeapLine = lines.filter(l -> l.contains("java_heap") && isShared(l)).findFirst().orElse(null);
        } catch (IOException | RuntimeException e) {
            // fall back on the collector's name below
        }
        List<String> collectors = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            collectors.add(gc.getName());
        }
        boolean zgc = collectors.stream().anyMatch(n -> n.startsWith("ZGC"));
        String heapFile = heapFileOption();
        if (heapFile != null && sharedHeapLine == null) {
            sharedHeapLine = "-XX:AllocateHeapAt=" + heapFile + ": the heap is a file mapped shared";
        }
        if (sharedHeapLine == null && !zgc) {
            return null;
        }
        return "jfork refuses to fork: this JVM's heap is a shared mapping"
            + (sharedHeapLine != null ? " (" + sharedHeapLine.strip().replaceAll(" +", " ") + ")" : "")
            + " under the collector " + collectors
            + ", so a child's writes would land in the parent's heap and corrupt it."
            + " Use a collector with a private heap: G1 (the default, -XX:+UseG1GC), -XX:+UseParallelGC,"
            + " -XX:+UseSerialGC or -XX:+UseShenandoahGC; not -XX:+UseZGC, and without -XX:AllocateHeapAt.";
    }

    /** The directory of {@code -XX:AllocateHeapAt} (or {@code AllocateOldGenAt}), whose heap file is mapped shared. */
    private static String heapFileOption() {
        try {
            com.sun.management.HotSpotDiagnosticMXBean hotspot =
                ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            for (String option : new String[] {"AllocateHeapAt", "AllocateOldGenAt"}) {
                try {
                    String value = hotspot.getVMOption(option).getValue();
                    if (value != null && !value.isBlank()) {
                        return value;
                    }
                } catch (IllegalArgumentException noSuchOption) {
                    // not in this JVM
                }
            }
        } catch (RuntimeException | LinkageError notHotSpot) {
            // no such bean: /proc/self/maps and the collector still decide
        }
        return null;
    }

    private static boolean isShared(String mapsLine) {
        String[] fields = mapsLine.split("\\s+");
        return fields.length > 1 && fields[1].length() == 4 && fields[1].charAt(3) == 's';
    }
}
