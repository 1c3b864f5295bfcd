package dev.jfork.conformance;

import dev.jfork.ErrnoException;
import dev.jfork.ForkOptions;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * Run in its own JVM, which the test then puts in a pid cgroup that allows no more tasks: reports
 * what a raw fork and a safe fork do when {@code fork(2)} really fails.
 */
public final class ForkFailureProbe {
    static final String READY = "READY";

    private ForkFailureProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        Forker forker = Forker.of(backend);
        ForkOptions options = ForkOptions.defaults().withDeadline(Duration.ofSeconds(10));
        // one fork before the limit: everything is warm, every thread that jfork needs exists
        forker.fork(() -> 0, options).waitFor();
        System.out.println(READY);
        System.out.flush();
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        try {
            int pid = backend.fork();
            if (pid == 0) {
                backend._exit(0);
            }
            System.out.println("RAW-FORKED " + pid);
        } catch (ErrnoException e) {
            System.out.println("RAW " + e.errnoName() + " " + e.getMessage());
        }
        try {
            forker.fork(() -> 0, options).waitFor();
            System.out.println("SAFE-FORKED");
        } catch (ErrnoException e) {
            System.out.println("SAFE " + e.errnoName() + " " + e.getMessage());
        }
    }
}
