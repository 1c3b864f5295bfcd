package dev.jfork.internal.launch;

import dev.jfork.ForkOptions;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Redirects from or to a FIFO, opened first on the thread that asks for a fork. Every Java child is
 * forked by jfork's one forking thread ({@link ForkThread}), which opens the child's files; {@code open(2)}
 * of a FIFO waits until the other side opens it, so made there it would hold up every other fork. Here
 * the caller opens the child's side first, and alone waits for the peer; then it holds the other side
 * too ({@code O_NONBLOCK}, which never waits once the first side is open), so that the forking thread's
 * own open returns at once even if the peer has already closed again. The caller closes both once the
 * child has started; the child never holds them (Java children close every descriptor of jfork's but
 * their own), so it sees the end of file, or EPIPE, exactly as it would have without them.
 */
public final class FifoRedirects {
    private static final int[] NONE = new int[0];
    /** {@code S_IFMT} and {@code S_IFIFO} of {@code st_mode}. */
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;

    private FifoRedirects() {
    }

    /**
     * Opens each FIFO that {@code options} redirect from or to, waiting on this thread for its peer.
     *
     * @param backend the unguarded backend
     * @param options the child's options
     * @return the descriptors opened, for {@link #close}; empty when no redirect names a FIFO
     * @throws dev.jfork.ErrnoException when a FIFO cannot be opened, naming it (nothing is left open)
     */
    public static int[] openOnCaller(ProcessForker backend, ForkOptions options) {
        Redirect[] redirects = {options.stdin(), options.stdout(), options.stderrToStdout() ? null : options.stderr()};
        int[] opened = NONE;
        try {
            for (Redirect r : redirects) {
                if (r == null || r.file() == null || !isFifo(r.file().toPath())) {
                    continue;
                }
                boolean reads = r.type() == Redirect.Type.READ;
                opened = Arrays.copyOf(opened, opened.length + 2);
                opened[opened.length - 2] = -1;
                opened[opened.length - 1] = -1;
                // the child's side: waits, on this thread, until the peer opens the FIFO
                opened[opened.length - 2] = OwnedFds.open(backend, r.file().getPath(),
                    reads ? OpenFlags.O_RDONLY : OpenFlags.O_WRONLY, 0);
                // the peer's side, held until the start: the forking thread's open then cannot wait
                opened[opened.length - 1] = OwnedFds.open(backend, r.file().getPath(),
                    (reads ? OpenFlags.O_WRONLY : OpenFlags.O_RDONLY) | OpenFlags.O_NONBLOCK, 0);
            }
            return opened;
        } catch (RuntimeException | Error e) {
            close(backend, opened);
            throw e;
        }
    }

    /**
     * Closes what {@link #openOnCaller} opened.
     *
     * @param backend the unguarded backend
     * @param fds the descriptors
     */
    public static void close(ProcessForker backend, int[] fds) {
        for (int fd : fds) {
            if (fd >= 0) {
                OwnedFds.closeQuietly(backend, fd);
            }
        }
    }

    /** Whether {@code path} names a FIFO; false when it cannot be told (the open then says why). */
    static boolean isFifo(Path path) {
        try {
            Object mode = Files.getAttribute(path, "unix:mode");
            return mode instanceof Integer && ((Integer) mode & S_IFMT) == S_IFIFO;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException | SecurityException e) {
            return false;
        }
    }
}
