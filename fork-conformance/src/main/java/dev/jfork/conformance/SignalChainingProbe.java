package dev.jfork.conformance;

import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Run in a JVM with HotSpot's signal-chaining library ({@code libjsig.so}) preloaded: forks a task
 * that blocks, ends it with {@code destroy()} (SIGTERM) and reports how it ended. The test reads the
 * probe's output for the result and for any warning that libjsig printed.
 */
public final class SignalChainingProbe {
    static final String ENDED = "ENDED";

    private SignalChainingProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        int[] gate = backend.pipe();
        ForkedProcess child = Forker.of(backend).fork(() -> backend.read(gate[0], new byte[1], 1),
            ForkOptions.defaults().withDeadline(Duration.ofSeconds(20)));
        try {
            Thread.sleep(200);
            child.destroy();
            boolean ended = child.waitFor(10, TimeUnit.SECONDS);
            System.out.println(ended ? ENDED + " " + child.exitValue() : "STILL RUNNING after SIGTERM");
        } finally {
            child.destroyForcibly();
            child.waitFor();
            backend.close(gate[0]);
            backend.close(gate[1]);
        }
    }
}
