package dev.jfork.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the shaded jar, {@code target/fork-demo.jar}, as a separate process with the java of
 * {@code java.home}, and checks its stdout line by line against the seed's behaviour.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ForkDemoIT {
    private static final Duration RUN_LIMIT = Duration.ofSeconds(90);
    private static final Pattern PARENT = Pattern.compile("Hello from parent (\\d+) (\\d+)");
    private static final Pattern CHILD = Pattern.compile("Hello from child (\\d+)");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();
    private int runs;

    /** What one run of the demo left behind. */
    record Run(long pid, int exitCode, String stdout, String stderr, Instant start, Instant end) {
        List<String> lines() {
            return stdout.isEmpty() ? List.of() : Arrays.asList(stdout.split("\n", -1)).subList(0, lines(stdout));
        }

        private static int lines(String text) {
            // the text ends with a line feed, so split leaves one empty string after it
            return text.split("\n", -1).length - 1;
        }
    }

    @AfterEach
    void killWhatIsLeft() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                fail("demo process " + p.pid() + " did not end after SIGKILL");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void threeEmptyLinesThenQGiveFourChildren(String backend) throws Exception {
        Run run = run("\n\n\nq\n", List.of("-Dfork.backend=" + backend));

        assertSeedSession(run, 4);
        assertThat(run.stderr())
            .contains("fork-demo: backend " + backend + " (-Dfork.backend)")
            .doesNotContain("restricted method");
        assertThat(count(run.stderr(), "fork-demo: backend ")).as("backend printed once").isEqualTo(1);
        assertNoChildLeft(run);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void endOfInputWithoutQEndsCleanly(String backend) throws Exception {
        Run twoLines = run("\n\n", List.of(), "--backend", backend);
        assertSeedSession(twoLines, 3);
        assertThat(twoLines.stderr()).contains("fork-demo: backend " + backend + " (--backend)")
            .doesNotContain("Exception").doesNotContain("Traceback");
        assertNoChildLeft(twoLines);

        Run nothing = run("", List.of(), "--backend", backend);
        assertSeedSession(nothing, 1);
        assertNoChildLeft(nothing);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void countOfFiftyGivesFiftyChildrenWithoutReadingStdin(String backend) throws Exception {
        // stdin stays an open, empty pipe: a demo that read it would wait forever and time out
        Run run = run(null, List.of(), "--backend", backend, "--count", "50");

        assertSeedSession(run, 50);
        assertNoChildLeft(run);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    @Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void everyChildIsReapedBeforeThePrompt(String backend) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(command(List.of(), "--backend", backend))
            .redirectError(dir.resolve("interactive.err").toFile());
        Instant start = Instant.now();
        Process demo = start(builder);
        List<String> seen = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8));
             OutputStream in = demo.getOutputStream()) {
            for (int iteration = 1; iteration <= 3; iteration++) {
                seen.add(out.readLine());
                seen.add(out.readLine());
                // both lines are out; the demo waits for its child, then sits at the prompt
                assertNoChildOf(demo, "at the prompt after iteration " + iteration);
                assertThat(demo.isAlive()).as("waiting for a line").isTrue();
                in.write((iteration == 3 ? "q\n" : "\n").getBytes(StandardCharsets.US_ASCII));
                in.flush();
            }
            assertThat(out.readLine()).as("nothing after the last iteration").isNull();
        }
        assertThat(demo.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        Run run = new Run(demo.pid(), demo.exitValue(), String.join("\n", seen) + "\n",
            Files.readString(dir.resolve("interactive.err")), start, Instant.now());
        assertSeedSession(run, 3);
        assertNoChildLeft(run);
    }

    @Test
    void onlyQItselfEndsTheLoop() throws Exception {
        Run run = run("quit\n q\nQ\nq \nq\n", List.of(), "--backend", "jna");

        assertSeedSession(run, 5);
    }

    @Test
    void withoutASelectionTheLibraryDefaultIsUsed() throws Exception {
        Run run = run("q\n", List.of());

        assertSeedSession(run, 1);
        assertThat(run.stderr()).contains("fork-demo: backend jni (default");
    }

    @Test
    void unknownBackendExitsNonZeroNamingTheRealOnes() throws Exception {
        for (List<String> selection : List.of(List.of("--backend", "nope"), List.of("--backend=nope"))) {
            Run run = run("q\n", List.of(), selection.toArray(new String[0]));
            assertThat(run.exitCode()).isNotZero();
            assertThat(run.stdout()).isEmpty();
            assertThat(run.stderr()).contains("nope", "jnr", "jna", "jni");
        }
        Run property = run("q\n", List.of("-Dfork.backend=nope"));
        assertThat(property.exitCode()).isNotZero();
        assertThat(property.stdout()).isEmpty();
        assertThat(property.stderr()).contains("nope", "jnr", "jna", "jni");
    }

    @Test
    void badArgumentsExitNonZeroWithUsage() throws Exception {
        for (List<String> args : List.of(List.of("--frobnicate"), List.of("--count"), List.of("--count", "x"),
                                         List.of("--count", "-1"), List.of("--backend"))) {
            Run run = run("q\n", List.of(), args.toArray(new String[0]));
            assertThat(run.exitCode()).as(args.toString()).isEqualTo(2);
            assertThat(run.stdout()).as(args.toString()).isEmpty();
            assertThat(run.stderr()).as(args.toString()).contains("Usage:");
        }
    }

    @Test
    void listBackendsShowsEveryBackendAndWhyFfmIsUnavailableBeforeJdk22() throws Exception {
        Run run = run(null, List.of(), "--list-backends");

        assertThat(run.exitCode()).isZero();
        assertThat(run.lines()).contains("jnr: available", "jna: available", "jni: available");
        if (FFM_BUILT) {
            assertThat(run.lines()).contains("ffm: available");
        } else {
            assertThat(run.lines()).anySatisfy(line -> assertThat(line).startsWith("ffm: unavailable: ")
                .contains("the ffm backend needs JDK 22+ (running " + Runtime.version() + ")"));
        }
    }

    /**
     * The demo jar holds the ffm backend itself when it was built on JDK 22+, as this test runs on the
     * build's JDK; built on 17 it holds ffm's provider only, which says the backend needs 22+.
     */
    private static final boolean FFM_BUILT = Runtime.version().feature() >= 22;

    static List<String> backends() {
        return FFM_BUILT ? List.of("jnr", "jna", "jni", "ffm") : List.of("jnr", "jna", "jni");
    }

    // ---------------------------------------------------------------------------------------------

    private void assertSeedSession(Run run, int iterations) {
        assertThat(run.exitCode()).as("exit code; stderr:%n%s", run.stderr()).isZero();
        // The demo reports a hung child and goes on, as it should; but the child must not hang, and a
        // hung child of the Java path has usually not printed its line yet.
        assertThat(run.stderr()).as("no child hung (a hang is jfork's, on the backend's child path)")
            .doesNotContainPattern("fork-demo: child \\d+ hung");
        assertThat(run.stdout()).as("stdout ends with a whole line").endsWith("\n");
        List<String> lines = run.lines();
        assertThat(lines).as("stdout holds nothing but the seed's lines; stderr:%n%s", run.stderr())
            .hasSize(2 * iterations)
            .allMatch(line -> PARENT.matcher(line).matches() || CHILD.matcher(line).matches());

        List<Long> fromParent = new ArrayList<>();
        List<Long> fromChildren = new ArrayList<>();
        for (String line : lines) {
            Matcher parent = PARENT.matcher(line);
            if (parent.matches()) {
                assertThat(Long.parseLong(parent.group(1))).as("parent pid in %s", line).isEqualTo(run.pid());
                fromParent.add(Long.parseLong(parent.group(2)));
            } else {
                Matcher child = CHILD.matcher(line);
                assertThat(child.matches()).isTrue();
                fromChildren.add(Long.parseLong(child.group(1)));
            }
        }
        assertThat(fromParent).hasSize(iterations).doesNotHaveDuplicates().doesNotContain(run.pid());
        assertThat(fromChildren).hasSize(iterations).doesNotHaveDuplicates()
            .containsExactlyInAnyOrderElementsOf(fromParent);

        // all of one iteration's lines come before the next iteration's
        for (int i = 0; i < iterations; i++) {
            List<String> pair = lines.subList(2 * i, 2 * i + 2);
            long childPid = fromParent.get(i);
            assertThat(pair).as("iteration %d", i + 1)
                .containsExactlyInAnyOrder("Hello from parent " + run.pid() + " " + childPid, "Hello from child " + childPid);
        }
    }

    /** No child of the run is alive: checked by pid and start time, so that a reused pid does not count. */
    private static void assertNoChildLeft(Run run) {
        Instant from = run.start().minusSeconds(1);
        for (String line : run.lines()) {
            Matcher child = CHILD.matcher(line);
            if (!child.matches()) {
                continue;
            }
            long pid = Long.parseLong(child.group(1));
            Optional<ProcessHandle> left = ProcessHandle.of(pid).filter(ProcessHandle::isAlive)
                .filter(h -> h.info().startInstant().map(t -> !t.isBefore(from) && !t.isAfter(run.end())).orElse(true));
            assertThat(left).as("child %d of demo %d is still there", pid, run.pid()).isEmpty();
        }
    }

    /** The demo has no child, zombie or not, within a few seconds. */
    private static void assertNoChildOf(Process demo, String when) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        List<String> children;
        do {
            children = childrenOf(demo.pid());
            if (children.isEmpty()) {
                return;
            }
            Thread.sleep(20);
        } while (System.nanoTime() < until);
        fail("demo %d still has children %s", demo.pid(), children);
    }

    /** Children by /proc, with their state letter: a zombie shows as Z. */
    private static List<String> childrenOf(long pid) {
        try (var entries = Files.list(Path.of("/proc"))) {
            return entries.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
                .map(p -> {
                    try {
                        String stat = Files.readString(p.resolve("stat"));
                        String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                        return Long.parseLong(rest[1]) == pid ? p.getFileName() + "(" + rest[0] + ")" : null;
                    } catch (IOException | RuntimeException gone) {
                        return null;
                    }
                })
                .filter(s -> s != null)
                .collect(Collectors.toList());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int at = text.indexOf(part); at >= 0; at = text.indexOf(part, at + 1)) {
            n++;
        }
        return n;
    }

    private List<String> command(List<String> jvmArgs, String... args) {
        Path jar = Path.of(System.getProperty("demo.jar", "target/fork-demo.jar"));
        assertThat(jar).as("the shaded jar (run mvn verify, which packages it first)").isRegularFile();
        List<String> command = new ArrayList<>();
        command.add(JAVA.toString());
        command.addAll(jvmArgs);
        command.add("-jar");
        command.add(jar.toString());
        command.addAll(Arrays.asList(args));
        return command;
    }

    private Process start(ProcessBuilder builder) throws IOException {
        Process p = builder.start();
        started.add(p);
        return p;
    }

    /**
     * Runs the demo to its end. With {@code stdin} null its stdin is a pipe that stays open and empty
     * until it has ended.
     */
    private Run run(String stdin, List<String> jvmArgs, String... args) throws IOException, InterruptedException {
        int n = ++runs;
        Path out = dir.resolve("run" + n + ".out");
        Path err = dir.resolve("run" + n + ".err");
        ProcessBuilder builder = new ProcessBuilder(command(jvmArgs, args))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
        if (stdin != null) {
            Path in = dir.resolve("run" + n + ".in");
            Files.writeString(in, stdin, StandardCharsets.US_ASCII);
            builder.redirectInput(in.toFile());
        }
        Instant start = Instant.now();
        Process demo = start(builder);
        if (!demo.waitFor(RUN_LIMIT.toSeconds(), TimeUnit.SECONDS)) {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
            demo.waitFor(20, TimeUnit.SECONDS);
            fail("demo %s did not end within %s; stdout:%n%s%nstderr:%n%s", builder.command(), RUN_LIMIT,
                Files.readString(out), Files.readString(err));
        }
        Instant end = Instant.now();
        demo.getOutputStream().close();
        return new Run(demo.pid(), demo.exitValue(), Files.readString(out), Files.readString(err), start, end);
    }
}
