package dev.jfork.conformance.runner;

import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the kit's JVM and its children write to descriptor 2 while the kit runs: a test's logger
 * warnings, and the stack traces that children (forked, so sharing the descriptor) print on purpose,
 * are kept in a file, so that {@link ProgressPrinter} shows a failing test's share of it and drops a
 * passing test's. Each test's share is what was appended between its start and its end.
 *
 * <p>{@link #redirect} puts a temporary file (opened {@code O_APPEND}, so that every writer's lines
 * land whole at its end) on descriptor 2 with the backend's own {@code dup2}, and {@link #close}
 * puts the original back and deletes the file.
 */
final class StderrCapture implements AutoCloseable {
    /** The most of one test's stderr shown; its end is kept, where the cause usually is. */
    static final int MAX_SHOWN = 64 * 1024;

    private final Path file;
    private final ProcessForker backend;
    private final int original;
    private boolean closed;

    /**
     * A capture that reads {@code file}, written by someone else (for tests of the printer).
     *
     * @param file the file stderr goes to
     */
    StderrCapture(Path file) {
        this(file, null, -1);
    }

    private StderrCapture(Path file, ProcessForker backend, int original) {
        this.file = file;
        this.backend = backend;
        this.original = original;
    }

    /**
     * Sends descriptor 2 of this process to a new temporary file, through {@code backend}.
     *
     * @param backend the backend the kit runs on (its {@code open}, {@code dup2} and {@code close})
     * @return the capture, or empty when stderr cannot be moved here (the reason is then printed to
     *     stderr, and the run shows stderr as it comes)
     */
    static Optional<StderrCapture> redirect(ProcessForker backend) {
        Path file = null;
        try {
            file = Files.createTempFile("fork-conformance-", ".stderr");
            // the original stderr, to put back at the end: /proc/self/fd/2 opened anew, appending
            int original = backend.open("/proc/self/fd/2", OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CLOEXEC, 0);
            int fd = backend.open(file.toString(), OpenFlags.O_WRONLY | OpenFlags.O_APPEND | OpenFlags.O_CLOEXEC, 0);
            System.err.flush();
            backend.dup2(fd, 2);
            backend.close(fd);
            return Optional.of(new StderrCapture(file, backend, original));
        } catch (IOException | RuntimeException e) {
            System.err.println("fork-conformance: stderr is shown as it comes, not only for failing tests: " + e);
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temporary file left behind
                }
            }
            return Optional.empty();
        }
    }

    /**
     * Where stderr has got to.
     *
     * @return the length of the file now
     */
    long mark() {
        System.err.flush();
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What was written since {@code mark}, at most the last {@value #MAX_SHOWN} bytes of it.
     *
     * @param mark a {@link #mark()}
     * @return the text, empty if nothing was written
     */
    String since(long mark) {
        long end = mark();
        if (end <= mark) {
            return "";
        }
        long from = Math.max(mark, end - MAX_SHOWN);
        byte[] bytes = new byte[(int) (end - from)];
        try (RandomAccessFile in = new RandomAccessFile(file.toFile(), "r")) {
            in.seek(from);
            in.readFully(bytes);
        } catch (IOException e) {
            return "(stderr could not be read back from " + file + ": " + e + ")";
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        return from > mark ? "(the first " + (from - mark) + " bytes left out)\n" + text : text;
    }

    /** Puts the original stderr back on descriptor 2 and deletes the file; once. */
    @Override
    public void close() {
        if (backend == null || closed) {
            return;
        }
        closed = true;
        System.err.flush();
        backend.dup2(original, 2);
        backend.close(original);
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // a temporary file left behind
        }
    }
}
