package dev.jfork.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Java example in the README compiles against the demo jar (which holds the API and every
 * backend) exactly as printed, runs on every backend in a JVM of its own, and prints what the README
 * shows after it.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class ReadmeExamplesIT {
    private static final Path README = Path.of("..", "README.md");
    private static final Pattern EXAMPLE = Pattern.compile(
        "```java\n(.*?)```\n\n```text\n(.*?)```", Pattern.DOTALL);
    private static final Pattern CLASS_NAME = Pattern.compile("public class (\\w+)");
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");

    @TempDir
    static Path classes;

    private final List<Process> started = new ArrayList<>();

    /** One example: its source and the output the README shows for it. */
    record Example(String className, String source, String output) {
        @Override
        public String toString() {
            return className;
        }
    }

    static List<Example> examples() throws IOException {
        String readme = Files.readString(README);
        List<Example> found = new ArrayList<>();
        Matcher m = EXAMPLE.matcher(readme);
        while (m.find()) {
            Matcher name = CLASS_NAME.matcher(m.group(1));
            assertThat(name.find()).as("a README example declares a public class: %s", m.group(1)).isTrue();
            found.add(new Example(name.group(1), m.group(1), m.group(2)));
        }
        return found;
    }

    static Stream<Arguments> examplesOnEveryBackend() throws IOException {
        return examples().stream().flatMap(e -> Stream.of("jni", "jnr", "jna").map(b -> Arguments.of(e, b)));
    }

    @AfterEach
    void killWhatIsLeft() throws InterruptedException {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
            p.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void theReadmeHasItsExamples() throws IOException {
        // every ```java block is an example followed by its output; none is left out of the check
        String readme = Files.readString(README);
        long javaBlocks = Pattern.compile("```java\n").matcher(readme).results().count();
        assertThat(examples()).hasSize((int) javaBlocks).extracting(Example::className)
            .contains("SafeLayerExample", "RawExample");
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("examplesOnEveryBackend")
    void compilesAndPrintsWhatTheReadmeShows(Example example, String backend) throws Exception {
        Path dir = classes.resolve(example.className() + "-" + backend);
        Files.createDirectories(dir);
        Path source = dir.resolve(example.className() + ".java");
        Files.writeString(source, example.source());
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int compiled = javac.run(null, null, null, "-d", dir.toString(), "-cp", demoJar(), source.toString());
        assertThat(compiled).as("javac exit code for %s", example.className()).isZero();

        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        Process p = new ProcessBuilder(JAVA.toString(), "--enable-native-access=ALL-UNNAMED",
            "-Dfork.backend=" + backend, "-cp", demoJar() + File.pathSeparator + dir, example.className())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(out.toFile())
            .redirectError(err.toFile())
            .start();
        started.add(p);
        boolean ended = p.waitFor(120, TimeUnit.SECONDS);
        String stderr = Files.readString(err, StandardCharsets.UTF_8);
        assertThat(ended).as("%s on %s ended within 120 s; stderr:\n%s", example, backend, stderr).isTrue();
        assertThat(p.exitValue()).as("%s on %s: exit code; stderr:\n%s", example, backend, stderr).isZero();
        assertThat(Files.readString(out, StandardCharsets.UTF_8)).as("%s on %s: stdout", example, backend)
            .isEqualTo(example.output());
    }

    private static String demoJar() {
        String jar = System.getProperty("demo.jar");
        assertThat(jar).as("system property demo.jar").isNotBlank();
        return jar;
    }
}
