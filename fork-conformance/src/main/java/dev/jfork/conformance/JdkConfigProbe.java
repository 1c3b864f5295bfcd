package dev.jfork.conformance;

import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.util.Arrays;
import java.util.logging.LogManager;
import java.util.stream.Collectors;

/**
 * Run in a JVM of its own: makes the backend, warms a Forker up and makes a few calls, as the README advises
 * at start-up, and only then configures {@code java.util.logging} as an application does later in its
 * start-up. A sentinel log manager, named before anything else runs, records who initialised
 * {@code LogManager} if anyone did meanwhile (a backend's own library may: JNA logs through
 * {@code java.util.logging}); the probe prints the innermost class outside the JDK that asked for it ("none"
 * when nobody did), and, when nobody did, which manager the application's setting gives.
 */
public final class JdkConfigProbe {
    static final String INITIATOR = "INITIATOR ";
    static final String IN_USE = "LOG-MANAGER ";
    private static volatile StackTraceElement[] initialisedBy;

    /** Made only if something initialises {@code LogManager} before the application configures it. */
    public static final class Sentinel extends LogManager {
        /** Records its caller. */
        public Sentinel() {
            initialisedBy = new Throwable().getStackTrace();
        }
    }

    /** The application's own log manager. */
    public static final class AppLogManager extends LogManager {
        /** Made by the JDK, from {@code java.util.logging.manager}. */
        public AppLogManager() {
        }
    }

    private JdkConfigProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        System.setProperty("java.util.logging.manager", Sentinel.class.getName());
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        Forker forker = Forker.of(backend).warmUp();
        for (int i = 0; i < 3; i++) {
            forker.call(() -> "answered");
        }
        // who, if anyone, made the sentinel; read before LogManager is asked for below
        StackTraceElement[] by = initialisedBy;
        // the innermost frame outside the JDK and this probe: the code that asked for java.util.logging
        String initiator = by == null ? "none" : Arrays.stream(by).skip(1).map(StackTraceElement::getClassName)
            .filter(c -> !c.startsWith("java.") && !c.startsWith("jdk.") && !c.startsWith("sun.")
                && !c.startsWith("javax.") && !c.startsWith(JdkConfigProbe.class.getName()))
            .findFirst().orElse("the JDK");
        System.out.println(INITIATOR + initiator);
        if (by == null) {
            System.setProperty("java.util.logging.manager", AppLogManager.class.getName());
            System.out.println(IN_USE + LogManager.getLogManager().getClass().getName());
        } else {
            System.out.println(IN_USE + "initialised before the application configured it, by "
                + Arrays.stream(by).skip(1).limit(12).map(String::valueOf).collect(Collectors.joining(" <- ")));
        }
    }
}
