package dev.jfork.conformance;

import dev.jfork.ForkRefusedException;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;

/**
 * Run in a JVM started with {@code -XX:+UseZGC}: tries a fork through {@link Forker} and reports
 * whether it was refused and whether any child exists.
 */
public final class ZgcProbe {
    static final String REFUSED = "REFUSED:";
    static final String FORKED = "FORKED";
    static final String NO_CHILD = "NO-CHILD";

    private ZgcProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        try {
            Forker.of(backend).fork(() -> 0).waitFor();
            System.out.println(FORKED);
        } catch (ForkRefusedException e) {
            System.out.println(REFUSED + " " + e.getMessage());
        }
        System.out.println(ProcessHandle.current().children().count() == 0 ? NO_CHILD : "CHILDREN");
    }
}
