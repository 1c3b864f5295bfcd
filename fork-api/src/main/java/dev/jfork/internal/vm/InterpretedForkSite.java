package dev.jfork.internal.vm;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.management.JMException;
import javax.management.ObjectName;

/**
 * Keeps the method that calls {@code fork} out of the JIT, so that the child continues in the
 * interpreter. Compiled code is specialised for what the parent did: there, {@code fork} never
 * returned 0, so C2 compiles the child's branch as an uncommon trap, and every child of a JVM that had
 * forked a few thousand times deoptimised on its first step (measured: {@code Forker::start} (now {@code ForkLauncher::start}) compiled
 * at tier 4 after about 6,600 forks, then "made not entrant" in each child). A deoptimisation takes VM
 * locks ({@code ThreadCritical}, the code cache's) that another thread may have held at the fork; gdb
 * showed children hung in {@code Deoptimization::uncommon_trap}. The interpreter has no such traps.
 *
 * <p>It adds a HotSpot compiler directive through the {@code DiagnosticCommand} MBean (what
 * {@code jcmd Compiler.directives_add} does) that excludes {@code ForkLauncher.start}, and the one call a
 * child makes with an outcome the parent never saw ({@link #CHILD_ONLY_SUCCESS}), from C1 and C2. On a
 * JVM without that command it does nothing. It is added at the {@link #FORKS_BEFORE_DIRECTIVE}th fork, not
 * the first.
 */
public final class InterpretedForkSite {
    /**
     * The backends' {@code setParentDeathSignal}: the parent calls it only in its warm-up, where it fails
     * on purpose (EINVAL), so C2 compiled its success as an uncommon trap and every child deoptimised on
     * it (JDK 25's {@code -Xlog:deoptimization}: one {@code unstable_if} per child, about 4 ms each, and
     * the same VM locks as above). Interpreted, it has no such trap.
     */
    public static final String CHILD_ONLY_SUCCESS = "dev/jfork/*.setParentDeathSignal";
    /** The directive: both methods interpreted, in C1 and C2. */
    public static final String DIRECTIVE =
        "[{ match: \"dev/jfork/internal/launch/ForkLauncher.start\", c1: { Exclude: true }, c2: { Exclude: true } },"
        + " { match: \"" + CHILD_ONLY_SUCCESS + "\", c1: { Exclude: true }, c2: { Exclude: true } }]";
    /**
     * The forks before the directive is added. C2 compiles a method after thousands of calls (HotSpot's
     * {@code Tier4InvocationThreshold} is 5,000; the trap above came after about 6,600 forks), so the 100th
     * fork is early enough. Not at the first: the directive goes through the platform MBean server, whose
     * logging MXBean initialises {@code java.util.logging.LogManager}, which then ignores an application's
     * {@code java.util.logging.manager} set after its Forker was warmed up (repro PreloadFreezesJdkConfig).
     */
    public static final int FORKS_BEFORE_DIRECTIVE = 100;
    private static final java.util.concurrent.atomic.AtomicInteger FORKS = new java.util.concurrent.atomic.AtomicInteger();
    private static volatile Boolean installed;

    private InterpretedForkSite() {
    }

    /** At each fork, before it: adds the directive at the {@link #FORKS_BEFORE_DIRECTIVE}th. */
    public static void atFork() {
        if (installed == null && FORKS.incrementAndGet() >= FORKS_BEFORE_DIRECTIVE) {
            ensure();
        }
    }

    /**
     * Adds the directive once per JVM.
     *
     * @return whether the JVM accepted it
     */
    public static boolean ensure() {
        Boolean done = installed;
        if (done != null) {
            return done;
        }
        synchronized (InterpretedForkSite.class) {
            if (installed == null) {
                installed = install();
            }
            return installed;
        }
    }

    private static boolean install() {
        Path file = null;
        try {
            file = Files.createTempFile("jfork-directive-", ".json");
            Files.writeString(file, DIRECTIVE);
            Object answer = ManagementFactory.getPlatformMBeanServer().invoke(
                new ObjectName("com.sun.management:type=DiagnosticCommand"), "compilerDirectivesAdd",
                new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            return String.valueOf(answer).contains("2 compiler directives added");
        } catch (IOException | JMException | RuntimeException notHotSpot) {
            return false;
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a temp file of a few bytes
                }
            }
        }
    }
}
