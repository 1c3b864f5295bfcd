package dev.jfork.conformance.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/**
 * Runs {@code fork-conformance.jar} (system property {@value #JAR_PROPERTY}) as a separate process with
 * the java of {@code java.home}, as a user would: the whole kit on one backend, then the ways it
 * refuses a backend.
 */
class KitJarIT {
    /** The path of the runnable jar, set by failsafe. */
    static final String JAR_PROPERTY = "fork.kit.jar";
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final Pattern SUMMARY = Pattern.compile("(\\d+) passed, (\\d+) failed(?:, (\\d+) skipped)?");

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    /** What one run of the jar left behind. */
    record Run(int exitCode, String stdout, String stderr) {
        String lastLine() {
            String[] lines = stdout.strip().split("\n");
            return lines[lines.length - 1];
        }
    }

    @AfterEach
    void killWhatIsLeft() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                fail("kit process " + p.pid() + " did not end after SIGKILL");
            }
        }
    }

    @Test
    @Timeout(value = 600, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void wholeKitPassesOnJna() throws Exception {
        Path reports = dir.resolve("reports");
        // --show-stderr: the JVM's own warnings, checked below, are shown as they come
        Run run = run(600, List.of(), "--backend", "jna", "--reports", reports.toString(), "--show-stderr");

        assertThat(run.stdout()).startsWith("jfork conformance kit: backend jna (--backend)");
        Matcher summary = SUMMARY.matcher(run.lastLine());
        assertThat(summary.matches()).as("last line %s of\n%s", run.lastLine(), run.stdout()).isTrue();
        int passed = Integer.parseInt(summary.group(1));
        int skipped = summary.group(3) == null ? 0 : Integer.parseInt(summary.group(3));
        assertThat(summary.group(2)).as(run.stdout()).isEqualTo("0");
        assertThat(run.exitCode()).as(run.stdout()).isZero();
        assertThat((long) passed + skipped).as("every test of the kit ran or was skipped").isGreaterThanOrEqualTo(kitTestsAtLeast());
        assertThat(run.stderr()).doesNotContain("restricted method");

        // the JUnit XML report holds every test that ran or was skipped
        try (Stream<Path> files = Files.list(reports)) {
            int testcases = 0;
            for (Path xml : files.filter(f -> f.toString().endsWith(".xml")).toList()) {
                testcases += count(Files.readString(xml), "<testcase ");
            }
            assertThat(testcases).isEqualTo(passed + skipped);
        }
        assertThat(ProcessHandle.current().children().count()).as("children left").isZero();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void listNamesEachTestAsTestsTakesItAndRunsNothing() throws Exception {
        Run all = run(90, List.of(), "--list");
        assertThat(all.exitCode()).as(all.stdout()).isZero();
        assertThat(all.stdout()).contains("\nWarmPool: the warm pool\n")
            .contains("\n  plainValuesCrossExactly: null, boxed primitives, strings and byte arrays cross exactly");
        assertThat(all.lastLine()).matches("\\d+ tests \\(a parameterized test once.*");
        assertThat(all.stdout()).doesNotContain("jfork conformance kit: backend").doesNotContain(" passed, ");

        Run some = run(90, List.of(), "--list", "--tests", "WarmPool");
        assertThat(some.stdout()).startsWith("WarmPool: the warm pool\n").doesNotContain("\nBadInput");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void testsNamedByMethodOrSectionRunAlone() throws Exception {
        Run run = run(150, List.of(), "--backend", "jni", "--tests", "plainValuesCrossExactly,deadline");
        assertThat(run.exitCode()).as(run.stdout()).isZero();
        // the warm pool's deadline test and plainValuesCrossExactly; call's deadline tests have other names
        assertThat(run.lastLine()).as(run.stdout()).isEqualTo("2 passed, 0 failed");
        assertThat(run.stdout()).contains("the warm pool");

        Run none = run(60, List.of(), "--backend", "jni", "--tests", "noSuchTest");
        assertThat(none.exitCode()).isEqualTo(KitRunner.EXIT_FAILED);
        assertThat(none.stderr()).contains("no test ran");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unknownBackendExitsWithTwoNamingTheThree() throws Exception {
        Run run = run(60, List.of("-Dfork.backend=nope"));
        assertThat(run.exitCode()).isEqualTo(KitRunner.EXIT_USAGE);
        assertThat(run.stderr()).contains("jfork: unknown backend 'nope' (-Dfork.backend); the known backends are jni, jnr, jna and ffm (JDK 22+).")
            .contains("jnr: available").contains("jna: available").contains("jni: available");
        assertThat(run.stdout()).isEmpty();
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void unavailableBackendExitsWithTwo() throws Exception {
        Run run = run(60, List.of("-Dfork.jni.library=/nonexistent/libjfork.so"), "--backend", "jni");
        assertThat(run.exitCode()).isEqualTo(KitRunner.EXIT_USAGE);
        assertThat(run.stderr()).contains("jfork: backend 'jni' (the name given) is unavailable.")
            .contains("jni: unavailable");
    }

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void listsTheThreeBackends() throws Exception {
        Run run = run(60, List.of(), "--list-backends");
        assertThat(run.exitCode()).isZero();
        assertThat(run.stdout()).contains("jnr: available").contains("jna: available").contains("jni: available");
    }

    /**
     * The tests and parameterized tests that discovery finds in the kit: a lower bound of what a run
     * counts, since each parameterized test counts once per argument.
     */
    private static long kitTestsAtLeast() {
        TestPlan plan = LauncherFactory.create().discover(LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass(SelectedBackendKit.class)).build());
        long tests = plan.countTestIdentifiers(TestIdentifier::isTest);
        long templates = 0;
        List<TestIdentifier> todo = new ArrayList<>(plan.getRoots());
        while (!todo.isEmpty()) {
            TestIdentifier id = todo.remove(todo.size() - 1);
            if (id.isContainer() && id.getSource().filter(org.junit.platform.engine.support.descriptor.MethodSource.class::isInstance).isPresent()) {
                templates++;
            }
            todo.addAll(plan.getChildren(id));
        }
        assertThat(tests).as("tests found in the kit").isPositive();
        return tests + templates;
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }

    private Run run(long seconds, List<String> jvmOptions, String... args) throws Exception {
        String jar = System.getProperty(JAR_PROPERTY);
        assertThat(jar).as("-D" + JAR_PROPERTY).isNotBlank();
        assertThat(Path.of(jar)).isRegularFile();
        List<String> command = new ArrayList<>();
        command.add(JAVA.toString());
        command.addAll(jvmOptions);
        command.add("-jar");
        command.add(jar);
        command.addAll(List.of(args));
        Path out = dir.resolve("out-" + started.size() + ".txt");
        Path err = dir.resolve("err-" + started.size() + ".txt");
        Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile())).start();
        started.add(p);
        if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
            fail("the kit jar did not end within " + seconds + " s; its output:\n" + Files.readString(out));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }
}
