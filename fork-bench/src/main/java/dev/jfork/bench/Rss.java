package dev.jfork.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The JVM's resident size ({@code VmRSS} of {@code /proc/self/status}) and how much of it is in huge
 * pages ({@code AnonHugePages} of {@code /proc/self/smaps_rollup}), recorded around the forks so that
 * bench.sh can give the C and Python baselines the same resident size and the same share of huge pages.
 */
public final class Rss {
    /** System property: the file that {@link #record} appends to; nothing is recorded without it. */
    public static final String FILE_PROPERTY = "bench.rss.file";

    private Rss() {
    }

    /**
     * This process's {@code VmRSS}.
     *
     * @return kilobytes, or -1 where {@code /proc/self/status} has none
     */
    public static long vmRssKb() {
        try {
            return parseVmRssKb(Files.readString(Path.of("/proc/self/status")));
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * This process's anonymous memory in transparent huge pages.
     *
     * @return kilobytes, or -1 where {@code /proc/self/smaps_rollup} has none
     */
    public static long anonHugePagesKb() {
        try {
            return parseKb(Files.readString(Path.of("/proc/self/smaps_rollup")), "AnonHugePages:");
        } catch (IOException e) {
            return -1;
        }
    }

    /**
     * The {@code VmRSS} line of a {@code /proc/<pid>/status} text.
     *
     * @param status the file's text
     * @return kilobytes, or -1 when the line is missing
     */
    static long parseVmRssKb(String status) {
        return parseKb(status, "VmRSS:");
    }

    /**
     * The value of a {@code "Key:   1234 kB"} line.
     *
     * @param text a {@code /proc} file's text
     * @param key the key, with its colon
     * @return kilobytes, or -1 when the line is missing
     */
    static long parseKb(String text, String key) {
        for (String line : text.split("\n")) {
            if (line.startsWith(key)) {
                String value = line.substring(key.length()).trim();
                int space = value.indexOf(' ');
                return Long.parseLong(space < 0 ? value : value.substring(0, space));
            }
        }
        return -1;
    }

    /**
     * Appends {@code "<benchmark> <backend> <VmRSS kB> <AnonHugePages kB>"} to the file named by
     * {@value #FILE_PROPERTY}.
     *
     * @param benchmark the benchmark's full name
     * @param backend the backend, or {@code -}
     */
    public static void record(String benchmark, String backend) {
        String file = System.getProperty(FILE_PROPERTY);
        if (file == null || file.isBlank()) {
            return;
        }
        append(file, benchmark + " " + backend + " " + vmRssKb() + " " + anonHugePagesKb() + "\n");
    }

    /**
     * Appends a line to a file.
     *
     * @param file the file
     * @param line the line, with its newline
     */
    static void append(String file, String line) {
        try {
            Files.writeString(Path.of(file), line, StandardCharsets.UTF_8,
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
