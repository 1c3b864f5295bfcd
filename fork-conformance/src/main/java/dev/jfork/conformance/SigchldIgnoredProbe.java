package dev.jfork.conformance;

import dev.jfork.ForkOptions;
import dev.jfork.Forker;
import dev.jfork.Signals;
import dev.jfork.spi.ProcessForker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Run in a JVM started with SIGCHLD ignored: forks, calls and execs, and prints what it saw, one line
 * each, so that {@link ReapingKit} can check that jfork set SIGCHLD back to its default and knew each
 * child's end.
 */
public final class SigchldIgnoredProbe {
    static final String IGNORED_AT_START = "ignored at start: ";
    static final String IGNORED_FOR_JFORK = "ignored when jfork looks: ";
    static final String FORKED = "fork waitFor: ";
    static final String CALLED = "call: ";
    static final String EXECED = "exec waitFor: ";
    static final String IGNORED_AFTER = "ignored after: ";

    private SigchldIgnoredProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made, or a fork fails
     */
    public static void main(String[] args) throws Exception {
        // before any backend binds its native library (the jna backend's binding was seen to reset SIGCHLD)
        String sigIgn = Files.readAllLines(Path.of("/proc/self/status")).stream().filter(l -> l.startsWith("SigIgn:"))
            .findFirst().orElseThrow().substring("SigIgn:".length()).strip();
        System.out.println(IGNORED_AT_START + ((Long.parseUnsignedLong(sigIgn, 16) >>> (Signals.SIGCHLD - 1) & 1) == 1));
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        ForkOptions options = ForkOptions.defaults().withDeadline(Duration.ofSeconds(30));
        System.out.println(IGNORED_FOR_JFORK + backend.signalIgnored(Signals.SIGCHLD));
        Forker forker = Forker.of(backend);
        System.out.println(FORKED + forker.fork(() -> 3, options).waitFor());
        System.out.println(CALLED + forker.call(() -> 42));
        System.out.println(EXECED + forker.exec(List.of("sh", "-c", "exit 7"), options).waitFor());
        System.out.println(IGNORED_AFTER + backend.signalIgnored(Signals.SIGCHLD));
    }
}
