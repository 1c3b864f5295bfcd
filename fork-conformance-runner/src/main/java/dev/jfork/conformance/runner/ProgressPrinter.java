package dev.jfork.conformance.runner;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints the kit's run as it goes: a heading for each section (a nested class of the kit), a line for
 * each test as it ends (a failing one's with the name {@code --tests} takes for it), then a summary
 * with every failure's stack trace (and what it wrote to stderr, when stderr is kept in a
 * {@link StderrCapture}: a passing test's is never shown) and every skip's reason,
 * the {@code --tests} that would run only what failed, and last the line {@code N passed, M failed}
 * ({@code , K skipped} after it when some test could not run here).
 *
 * <p>A test is one that JUnit runs as a test: each invocation of a parameterized test counts. A section
 * that fails on its own (in a {@code @BeforeAll}, say) counts as one failure; the tests of a section
 * that is skipped or aborted count as skipped.
 */
final class ProgressPrinter implements TestExecutionListener {
    private final PrintStream out;
    /** Where the run's stderr goes, if it is kept out of the way; null when it is shown as it comes. */
    private final StderrCapture stderr;
    private final Map<String, Long> started = new ConcurrentHashMap<>();
    /** Where stderr was when each test or section started ({@link StderrCapture#mark()}). */
    private final Map<String, Long> stderrMarks = new ConcurrentHashMap<>();
    private final Set<String> counted = new HashSet<>();
    private final List<String> failures = new ArrayList<>();
    private final List<String> skips = new ArrayList<>();
    /** The method or nested class names of what failed, as {@code --tests} takes them, in order. */
    private final Set<String> failedNames = new LinkedHashSet<>();
    private TestPlan plan;
    private int passed;
    private int failed;
    private int skipped;

    /**
     * @param out where to print; the stream the run started with, since some tests replace {@code System.out}
     */
    ProgressPrinter(PrintStream out) {
        this(out, null);
    }

    /**
     * @param out where to print; the stream the run started with, since some tests replace {@code System.out}
     * @param stderr the run's stderr, kept in a file: a failing test's share of it is printed with its
     *     stack trace, a passing test's is not; null when stderr is shown as it comes
     */
    ProgressPrinter(PrintStream out, StderrCapture stderr) {
        this.out = out;
        this.stderr = stderr;
    }

    int passed() {
        return passed;
    }

    int failed() {
        return failed;
    }

    int skipped() {
        return skipped;
    }

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public void executionStarted(TestIdentifier id) {
        started.put(id.getUniqueId(), System.nanoTime());
        if (stderr != null) {
            stderrMarks.put(id.getUniqueId(), stderr.mark());
        }
        if (isSection(id)) {
            int depth = sectionDepth(id);
            if (depth == 1) {
                out.println();
            }
            print(indent(depth - 1) + id.getDisplayName());
        }
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        String why = reason == null || reason.isBlank() ? "no reason given" : reason;
        if (id.isTest()) {
            counted.add(id.getUniqueId());
            skipped++;
            skips.add(path(id) + ": " + why);
            print(indent(sectionDepth(id)) + "SKIP " + name(id) + ": " + why);
            return;
        }
        skipUnrun(id, why);
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        Long start = started.remove(id.getUniqueId());
        Long stderrMark = stderrMarks.remove(id.getUniqueId());
        String millis = start == null ? "" : " (" + TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) + " ms)";
        Optional<Throwable> thrown = result.getThrowable();
        String indent = indent(sectionDepth(id));
        switch (result.getStatus()) {
            case SUCCESSFUL:
                if (id.isTest()) {
                    counted.add(id.getUniqueId());
                    passed++;
                    print(indent + "pass " + name(id) + millis);
                }
                break;
            case ABORTED:
                String why = thrown.map(t -> String.valueOf(t.getMessage())).orElse("aborted");
                if (id.isTest()) {
                    counted.add(id.getUniqueId());
                    skipped++;
                    skips.add(path(id) + ": " + why);
                    print(indent + "SKIP " + name(id) + ": " + why);
                } else {
                    skipUnrun(id, why);
                }
                break;
            case FAILED:
            default:
                counted.add(id.getUniqueId());
                failed++;
                String what = id.isTest() ? name(id) : "(the whole of " + (id.getDisplayName()) + ")";
                Optional<String> selector = selectorName(id);
                print(indent + "FAIL " + what + millis + selector.map(n -> "  --tests " + n).orElse(""));
                thrown.ifPresent(t -> print(indent + "     " + firstLine(t)));
                String written = stderr == null || stderrMark == null ? "" : stderr.since(stderrMark).stripTrailing();
                failures.add(path(id) + selector.map(n -> " (--tests " + n + ")").orElse("") + "\n"
                    + thrown.map(ProgressPrinter::stackTrace).orElse("(no exception)")
                    + (written.isEmpty() ? "" : "\n" + STDERR_HEADING + "\n" + written));
                selector.ifPresent(failedNames::add);
                break;
        }
    }

    /** Prints the summary; its last line is {@code N passed, M failed} and maybe {@code , K skipped}. */
    void printSummary() {
        out.println();
        if (!failures.isEmpty()) {
            out.println("Failures:");
            for (int i = 0; i < failures.size(); i++) {
                out.println((i + 1) + ") " + failures.get(i));
            }
        }
        if (!skips.isEmpty()) {
            out.println("Skipped, since they cannot run here:");
            for (String skip : skips) {
                out.println("  " + skip);
            }
        }
        if (!failedNames.isEmpty()) {
            out.println(RERUN_PREFIX + String.join(",", failedNames));
        }
        out.println(summaryLine(passed, failed, skipped));
        out.flush();
    }

    /** The start of the summary's line that names what failed, for {@code --tests}. */
    static final String RERUN_PREFIX = "To run only what failed again: --tests ";

    /** Heads what a failing test and its children wrote to stderr, in its entry of the summary. */
    static final String STDERR_HEADING = "What the test and its children wrote to stderr:";

    /** The name {@code --tests} takes for this test (its method) or section (its nested class). */
    static Optional<String> selectorName(TestIdentifier id) {
        return id.getSource().flatMap(source -> {
            if (source instanceof MethodSource) {
                return Optional.of(((MethodSource) source).getMethodName());
            }
            if (source instanceof ClassSource) {
                return Optional.of(KitRunner.simpleName(((ClassSource) source).getClassName()));
            }
            return Optional.empty();
        });
    }

    /**
     * The summary's last line.
     *
     * @param passed tests that passed
     * @param failed tests (and sections) that failed
     * @param skipped tests that could not run
     * @return {@code N passed, M failed}, with {@code , K skipped} when K is not 0
     */
    static String summaryLine(int passed, int failed, int skipped) {
        return passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : "");
    }

    private void skipUnrun(TestIdentifier container, String why) {
        int unrun = 0;
        for (TestIdentifier descendant : plan.getDescendants(container)) {
            if (descendant.isTest() && counted.add(descendant.getUniqueId())) {
                unrun++;
            }
        }
        if (unrun == 0 && container.getSource().filter(MethodSource.class::isInstance).isPresent()) {
            unrun = 1; // a parameterized test that never made its invocations
        }
        if (unrun > 0) {
            skipped += unrun;
            skips.add(path(container) + " (" + unrun + " test" + (unrun == 1 ? "" : "s") + "): " + why);
            print(indent(sectionDepth(container)) + "SKIP " + container.getDisplayName() + " (" + unrun + "): " + why);
        }
    }

    private void print(String line) {
        out.println(line);
        out.flush();
    }

    /** A nested class of the kit; the kit class itself is the run, not a section. */
    private boolean isSection(TestIdentifier id) {
        return id.isContainer() && id.getSource().filter(ClassSource.class::isInstance).isPresent() && sectionDepth(id) >= 1;
    }

    /** How many nested classes enclose this identifier, itself included. */
    private int sectionDepth(TestIdentifier id) {
        int depth = 0;
        boolean topClassSeen = false;
        for (TestIdentifier at = id; at != null; at = plan.getParent(at).orElse(null)) {
            if (at.isContainer() && at.getSource().filter(ClassSource.class::isInstance).isPresent()) {
                depth++;
                topClassSeen = true;
            }
        }
        return topClassSeen ? depth - 1 : 0;
    }

    private static String indent(int depth) {
        return "  ".repeat(Math.max(0, depth));
    }

    /** The test's name; an invocation named only by its index and arguments gets its method's name too. */
    private String name(TestIdentifier id) {
        String name = id.getDisplayName();
        if (name.startsWith("[")) {
            Optional<TestIdentifier> parent = plan.getParent(id);
            if (parent.isPresent() && parent.get().getSource().filter(MethodSource.class::isInstance).isPresent()) {
                return parent.get().getDisplayName() + " " + name;
            }
        }
        return name;
    }

    /** Section names and the test's name, from the outermost nested class in. */
    private String path(TestIdentifier id) {
        List<String> names = new ArrayList<>();
        for (TestIdentifier at = id; at != null; at = plan.getParent(at).orElse(null)) {
            if (at == id) {
                names.add(0, id.isTest() ? name(id) : id.getDisplayName());
            } else if (isSection(at)) {
                names.add(0, at.getDisplayName());
            }
        }
        return String.join(" > ", names);
    }

    private static String firstLine(Throwable t) {
        String text = t.toString();
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline) + " ...";
    }

    private static String stackTrace(Throwable t) {
        StringWriter text = new StringWriter();
        t.printStackTrace(new PrintWriter(text));
        return text.toString().stripTrailing();
    }
}
