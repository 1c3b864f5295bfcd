package dev.jfork.conformance;

import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;

/**
 * Run in a JVM of its own: forks a Java child that sleeps for a minute, prints the child's pid, then
 * waits to be killed. The test kills this JVM with SIGKILL and checks that the child ended with it.
 */
public final class OrphanProbe {
    static final String CHILD = "CHILD ";

    private OrphanProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        ForkedProcess child = Forker.of(backend).fork(() -> {
            Thread.sleep(60_000);
            return 0;
        }, ForkOptions.defaults().withDeadline(Duration.ofSeconds(90)));
        System.out.println(CHILD + child.pid());
        System.out.flush();
        Thread.sleep(120_000);
    }
}
