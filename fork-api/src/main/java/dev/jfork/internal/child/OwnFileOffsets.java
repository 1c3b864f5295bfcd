package dev.jfork.internal.child;

import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * In a child: gives each jar the JVM has open a file offset of its own. After a fork, parent and child
 * share every open file's offset, and the JDK reads a jar by seeking, then reading; a class the child
 * loads from a jar can move the offset between the parent's seek and its read, and the parent then
 * reads the wrong bytes (seen in CI: the parent failed to load its own classes with
 * {@code NoClassDefFoundError} while a child loaded one). Each jar is opened again here and the new
 * descriptor put in place of the inherited one with {@code dup2}; the new file stays open for the
 * child's life.
 */
final class OwnFileOffsets {
    private static final Path FDS = Path.of("/proc/self/fd");
    /** Kept open (and reachable) for the child's life: their descriptors now serve the JDK's jars. */
    private static final List<RandomAccessFile> KEPT = new ArrayList<>();

    private OwnFileOffsets() {
    }

    /**
     * Re-opens every jar and zip file open in this process, in place. Best-effort: a file that cannot
     * be opened again keeps its shared offset.
     *
     * @param backend the backend, for {@code dup2}
     * @param inChild false in the parent's warm-up: it only looks, and changes nothing
     */
    static void take(ProcessForker backend, boolean inChild) {
        Map<String, List<Integer>> inherited = archives();
        if (inherited.isEmpty() || !inChild) {
            return;
        }
        for (String path : inherited.keySet()) {
            try {
                KEPT.add(new RandomAccessFile(path, "r"));
            } catch (IOException gone) {
                // deleted since, or unreadable: it keeps the shared offset
            }
        }
        Map<String, List<Integer>> now = archives();
        for (Map.Entry<String, List<Integer>> entry : inherited.entrySet()) {
            List<Integer> fresh = new ArrayList<>(now.getOrDefault(entry.getKey(), List.of()));
            fresh.removeAll(entry.getValue());
            if (fresh.isEmpty()) {
                continue;
            }
            for (int fd : entry.getValue()) {
                backend.dup2(fresh.get(0), fd);
            }
        }
    }

    /** The jar and zip files open in this process, each with its descriptors (3 and up). */
    private static Map<String, List<Integer>> archives() {
        Map<String, List<Integer>> found = new HashMap<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(FDS)) {
            for (Path link : fds) {
                int fd;
                String target;
                try {
                    fd = Integer.parseInt(link.getFileName().toString());
                    target = Files.readSymbolicLink(link).toString();
                } catch (IOException | RuntimeException gone) {
                    continue;
                }
                if (fd > 2 && (target.endsWith(".jar") || target.endsWith(".zip"))) {
                    found.computeIfAbsent(target, k -> new ArrayList<>()).add(fd);
                }
            }
        } catch (IOException | RuntimeException notLinux) {
            return Map.of();
        }
        return found;
    }
}
