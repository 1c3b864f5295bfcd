package dev.jfork.conformance.runner;

import dev.jfork.BackendInfo;
import dev.jfork.BackendSelectionException;
import dev.jfork.ProcessForkers;
import dev.jfork.conformance.RawSpiKit;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.platform.engine.FilterResult;
import org.junit.platform.engine.TestDescriptor;
import org.junit.platform.engine.TestSource;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.PostDiscoveryFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.reporting.legacy.xml.LegacyXmlReportGeneratingListener;

/**
 * The main class of {@code fork-conformance.jar}: runs the whole conformance kit against one backend
 * on this machine, in this JVM, through the JUnit Platform launcher, and prints the results as they
 * come (see {@link KitOptions#USAGE}).
 *
 * <p>Exit codes: {@value #EXIT_OK} nothing failed; {@value #EXIT_FAILED} a test failed, or none ran;
 * {@value #EXIT_USAGE} a bad command line, or a backend that is unknown or unavailable (with the
 * message of {@link ProcessForkers}).
 */
public final class KitRunner {
    /** Nothing failed. */
    public static final int EXIT_OK = 0;
    /** A test failed, or no test ran at all. */
    public static final int EXIT_FAILED = 1;
    /** A bad command line, or no usable backend. */
    public static final int EXIT_USAGE = 2;

    private KitRunner() {
    }

    /**
     * Runs the kit and exits with its code.
     *
     * @param args see {@link KitOptions#USAGE}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the kit in this JVM.
     *
     * @param args the command line
     * @param out where the results go
     * @param err where errors about the command line and the backend go
     * @return the exit code
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        KitOptions options;
        try {
            options = KitOptions.parse(args);
        } catch (KitOptions.UsageException e) {
            err.println("fork-conformance: " + e.getMessage());
            err.print(KitOptions.USAGE);
            err.flush();
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(KitOptions.USAGE);
            out.flush();
            return EXIT_OK;
        }
        if (options.list()) {
            Launcher launcher = LauncherFactory.create();
            TestPlan plan = launcher.discover(request(options));
            int tests = listTests(plan, out);
            out.println(tests + " tests (a parameterized test once, though each of its invocations runs and counts)");
            out.flush();
            return tests > 0 ? EXIT_OK : EXIT_FAILED;
        }
        if (options.listBackends()) {
            for (BackendInfo info : ProcessForkers.list()) {
                out.println(info.describe());
            }
            out.flush();
            return EXIT_OK;
        }
        ProcessForker selected;
        try {
            selected = options.backend().isPresent()
                ? ProcessForkers.backend(options.backend().get())
                : ProcessForkers.backend();
        } catch (BackendSelectionException e) {
            err.println(e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        String selectedBy = selectedBy(options);
        // the kit's own calls of ProcessForkers.backend() now agree with --backend
        System.setProperty(ProcessForkers.BACKEND_PROPERTY, selected.name());

        List<TestExecutionListener> listeners = new ArrayList<>();
        Optional<StderrCapture> stderr = options.showStderr() ? Optional.empty() : StderrCapture.redirect(selected);
        ProgressPrinter printer = new ProgressPrinter(out, stderr.orElse(null));
        listeners.add(printer);
        if (options.reports().isPresent()) {
            Path dir = options.reports().get();
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                stderr.ifPresent(StderrCapture::close);
                err.println("fork-conformance: cannot create the reports directory " + dir + ": " + e);
                err.flush();
                return EXIT_USAGE;
            }
            listeners.add(new LegacyXmlReportGeneratingListener(dir, new PrintWriter(err, true)));
        }

        out.println("jfork conformance kit: backend " + selected.name() + " (" + selectedBy + ")"
            + ", Java " + System.getProperty("java.runtime.version") + " (" + System.getProperty("java.vm.name") + ")"
            + ", " + System.getProperty("os.name") + " " + System.getProperty("os.version")
            + " " + System.getProperty("os.arch"));
        if (RawSpiKit.bound(1) > 1) {
            out.println("time-to-know bounds x" + RawSpiKit.bound(1) + " (-D" + RawSpiKit.TIME_SCALE_PROPERTY
                + "): this run checks correctness, not the promised times");
        }
        out.flush();

        Launcher launcher = LauncherFactory.create();
        try {
            launcher.execute(request(options), listeners.toArray(new TestExecutionListener[0]));
        } finally {
            stderr.ifPresent(StderrCapture::close);
        }

        printer.printSummary();
        if (printer.failed() > 0) {
            return EXIT_FAILED;
        }
        if (printer.passed() + printer.skipped() == 0) {
            err.println("fork-conformance: no test ran" + (options.tests().isEmpty() ? ""
                : ": no test method or nested class of the kit is named " + String.join(" or ", options.tests())));
            err.flush();
            return EXIT_FAILED;
        }
        return EXIT_OK;
    }

    /** The whole kit, or what {@code --tests} names of it. */
    private static LauncherDiscoveryRequest request(KitOptions options) {
        LauncherDiscoveryRequestBuilder builder = LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass(SelectedBackendKit.class));
        if (!options.tests().isEmpty()) {
            builder.filters(onlyNamed(options.tests()));
        }
        return builder.build();
    }

    /**
     * Prints {@code --list}: each section (nested class) and test method of the plan, indented by
     * section, as {@code NAME: display name}, where NAME is what {@code --tests} takes.
     *
     * @return the number of test methods printed (a parameterized test once)
     */
    static int listTests(TestPlan plan, PrintStream out) {
        int[] tests = {0};
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier kit : plan.getChildren(root)) {
                listChildren(plan, kit, 0, out, tests);
            }
        }
        return tests[0];
    }

    private static void listChildren(TestPlan plan, TestIdentifier parent, int depth, PrintStream out, int[] tests) {
        for (TestIdentifier child : plan.getChildren(parent)) {
            Optional<String> name = ProgressPrinter.selectorName(child);
            if (name.isEmpty()) {
                continue;
            }
            out.println("  ".repeat(depth) + name.get() + ": " + child.getDisplayName());
            if (child.getSource().filter(MethodSource.class::isInstance).isPresent()) {
                tests[0]++;
            } else {
                listChildren(plan, child, depth + 1, out, tests);
            }
        }
    }

    /**
     * Keeps the tests (and parameterized tests) whose method, or one of whose enclosing classes, has one
     * of these names; classes are kept here, and the launcher drops those left without tests.
     */
    static PostDiscoveryFilter onlyNamed(List<String> names) {
        return descriptor -> {
            boolean method = descriptor.getSource().filter(MethodSource.class::isInstance).isPresent();
            if (!descriptor.isTest() && !method) {
                return FilterResult.included("a class");
            }
            for (TestDescriptor at = descriptor; at != null; at = at.getParent().orElse(null)) {
                Optional<TestSource> source = at.getSource();
                if (source.isPresent() && source.get() instanceof MethodSource test
                    && names.contains(test.getMethodName())) {
                    return FilterResult.included("method " + test.getMethodName());
                }
                if (source.isPresent() && source.get() instanceof ClassSource type) {
                    String simple = simpleName(type.getClassName());
                    if (names.contains(simple)) {
                        return FilterResult.included("class " + simple);
                    }
                }
            }
            return FilterResult.excluded("not named by --tests");
        };
    }

    /** A class's name without its package and enclosing classes, as {@code --tests} takes it. */
    static String simpleName(String className) {
        return className.substring(Math.max(className.lastIndexOf('.'), className.lastIndexOf('$')) + 1);
    }

    private static String selectedBy(KitOptions options) {
        if (options.backend().isPresent()) {
            return "--backend";
        }
        String property = System.getProperty(ProcessForkers.BACKEND_PROPERTY);
        if (property != null && !property.isBlank()) {
            return "-D" + ProcessForkers.BACKEND_PROPERTY;
        }
        return "default: the first available of " + String.join(", ", ProcessForkers.DEFAULT_ORDER);
    }
}
