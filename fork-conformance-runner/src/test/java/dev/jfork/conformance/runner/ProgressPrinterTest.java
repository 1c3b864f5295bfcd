package dev.jfork.conformance.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

class ProgressPrinterTest {
    /** Run only through the launcher below: not a test of its own (static, not {@code @Nested}). */
    static class Fixture {
        @Test
        @DisplayName("passes")
        void passes() {
        }

        @Test
        @DisplayName("fails")
        void fails() {
            assertThat(1).as("one").isEqualTo(2);
        }

        @Test
        @DisplayName("cannot run here")
        void aborted() {
            Assumptions.abort("no pid cgroup here");
        }

        @Test
        @Disabled("switched off")
        void disabled() {
        }

        @ParameterizedTest(name = "value {0}")
        @ValueSource(ints = {1, 2})
        void parameterized(int value) {
            assertThat(value).isPositive();
        }

        @Nested
        @DisplayName("a section")
        class Section {
            @Test
            @DisplayName("passes inside")
            void passesInside() {
            }
        }
    }

    @Test
    void countsEachTestOnceAndEndsWithTheSummaryLine() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressPrinter printer = new ProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass(Fixture.class)).build(), printer);
        printer.printSummary();
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(printer.passed()).isEqualTo(4);
        assertThat(printer.failed()).isEqualTo(1);
        assertThat(printer.skipped()).isEqualTo(2);
        assertThat(out).contains("a section\n  pass passes inside")
            .contains("pass value 1").contains("pass value 2")
            .contains("FAIL fails").contains("  --tests fails\n").contains("[one]")
            .contains("SKIP cannot run here: no pid cgroup here")
            .contains("SKIP disabled(): switched off")
            .contains("Failures:\n1) fails (--tests fails)\norg.opentest4j.AssertionFailedError")
            .contains("Skipped, since they cannot run here:");
        assertThat(out).endsWith("\nTo run only what failed again: --tests fails\n4 passed, 1 failed, 2 skipped\n");
    }

    /** Run only through the launcher below; writes to {@link #STDERR} as a test's children would to fd 2. */
    static class Noisy {
        static Path stderr;

        @Test
        @DisplayName("passes noisily")
        void passesNoisily() throws Exception {
            Files.writeString(stderr, "a stack trace printed on purpose\n", StandardOpenOption.APPEND);
        }

        @Test
        @DisplayName("fails noisily")
        void failsNoisily() throws Exception {
            Files.writeString(stderr, "what the failing child said\n", StandardOpenOption.APPEND);
            assertThat(1).as("one").isEqualTo(2);
        }
    }

    @Test
    void aFailingTestsStderrIsShownWithItsTraceAndAPassingTestsIsNot(@TempDir Path dir) throws Exception {
        Noisy.stderr = Files.createFile(dir.resolve("stderr"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ProgressPrinter printer = new ProgressPrinter(new PrintStream(bytes, true, StandardCharsets.UTF_8),
            new StderrCapture(Noisy.stderr));
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass(Noisy.class)).build(), printer);
        printer.printSummary();
        String out = bytes.toString(StandardCharsets.UTF_8);

        assertThat(printer.passed()).isEqualTo(1);
        assertThat(printer.failed()).isEqualTo(1);
        assertThat(out).contains("FAIL fails noisily").contains("  --tests failsNoisily\n")
            .contains(ProgressPrinter.STDERR_HEADING + "\nwhat the failing child said\n")
            .doesNotContain("a stack trace printed on purpose")
            .endsWith("\nTo run only what failed again: --tests failsNoisily\n1 passed, 1 failed\n");
    }

    @Test
    void stderrSinceAMarkKeepsTheEndOfALongText(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("stderr"), "before\n");
        StderrCapture capture = new StderrCapture(file);
        long mark = capture.mark();
        assertThat(capture.since(mark)).isEmpty();
        Files.writeString(file, "x".repeat(StderrCapture.MAX_SHOWN) + "the end\n", StandardOpenOption.APPEND);
        assertThat(capture.since(mark)).startsWith("(the first 8 bytes left out)\n").endsWith("xthe end\n")
            .doesNotContain("before");
    }

    @Test
    void summaryLineNamesSkipsOnlyWhenThereAreSome() {
        assertThat(ProgressPrinter.summaryLine(73, 0, 0)).isEqualTo("73 passed, 0 failed");
        assertThat(ProgressPrinter.summaryLine(72, 1, 0)).isEqualTo("72 passed, 1 failed");
        assertThat(ProgressPrinter.summaryLine(72, 0, 1)).isEqualTo("72 passed, 0 failed, 1 skipped");
    }
}
