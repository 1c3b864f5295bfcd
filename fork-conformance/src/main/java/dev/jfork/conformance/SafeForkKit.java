package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ForkOptions;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.Signals;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The safe layer's fork(task): the child runs the task once and never returns into the caller's code,
 * its System.out and System.err are its own (piped, flushed, not duplicated, even beside a parent
 * thread that prints constantly), and the {@link Process} handle sees it as it is. Also the base of
 * the rooms after it: {@link #safe}, and {@link #fork} and {@link #track}, which reap what they made.
 *
 * <p>Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class SafeForkKit extends ProbeJvmKit {
    /** The deadline of these rooms' children. */
    static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));

    /** The safe layer on the backend under test. */
    protected Forker safe;

    @BeforeEach
    void createForker() {
        safe = Forker.of(forker);
    }

    /** Tracks a child of {@link #safe} to be ended after the test ({@code tracked}, in {@link RawSpiKit}). */
    ForkedProcess track(ForkedProcess p) {
        return tracked.process(p);
    }

    /** Forks {@code task} through {@link #safe}, tracked. */
    ForkedProcess fork(dev.jfork.ChildTask task, ForkOptions options) {
        return track(safe.fork(task, options));
    }

    @Nested
    @DisplayName("fork(task)")
    class ForkTask {
        @ParameterizedTest(name = "a task that returns {0} exits with {0}")
        @ValueSource(ints = {0, 3, 255})
        void taskCodeIsExitCode(int code) throws Exception {
            ForkedProcess p = fork(() -> code, SHORT);
            assertThat(p.waitFor()).isEqualTo(code);
            assertThat(p.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.EXITED);
        }

        @Test
        @DisplayName("a task that throws exits with EXIT_UNCAUGHT and writes its stack trace to fd 2")
        void throwingTask() throws Exception {
            ForkedProcess p = fork(() -> {
                throw new IllegalStateException("boom from the child");
            }, SHORT.withStderr(Stdio.PIPE));
            String err = readAll(p.getErrorStream());
            assertThat(p.waitFor()).isEqualTo(ForkedProcess.EXIT_UNCAUGHT);
            assertThat(err).contains("java.lang.IllegalStateException: boom from the child").contains("\tat ");
        }

        @Test
        @DisplayName("the caller's code after fork(task) runs once: the child never returns into it")
        void neverReturnsIntoCaller() throws Exception {
            int[] p = forker.pipe();
            try {
                ForkedProcess child = fork(() -> {
                    children.writeString(p[1], "C");
                    return 0;
                }, SHORT);
                children.writeString(p[1], "P");
                forker.close(p[1]);
                assertThat(child.waitFor()).isZero();
                assertThat(children.readString(p[0])).containsOnlyOnce("P").containsOnlyOnce("C");
            } finally {
                forker.close(p[0]);
            }
        }

        @Test
        @DisplayName("in the child, System.out is a new stream on fd 1, even while a parent thread holds the old one's lock")
        void childStdoutIsItsOwn() throws Exception {
            PrintStream parentOut = System.out;
            ForkedProcess p;
            synchronized (parentOut) {
                p = fork(() -> {
                    System.out.println(System.out == parentOut ? "same stream" : "own stream");
                    return 0;
                }, SHORT.withStdout(Stdio.PIPE));
            }
            assertThat(readAll(p.getInputStream())).isEqualTo("own stream" + System.lineSeparator());
            assertThat(p.waitFor()).isZero();
        }

        @Test
        @DisplayName("System.out is flushed before the fork, so buffered output is not duplicated")
        void bufferedOutputNotDuplicated(@TempDir Path dir) throws Exception {
            File file = dir.resolve("out.txt").toFile();
            PrintStream saved = System.out;
            try (PrintStream buffered = new PrintStream(new BufferedOutputStream(new FileOutputStream(file), 8192), false,
                StandardCharsets.UTF_8)) {
                System.setOut(buffered);
                buffered.print("token");
                ForkedProcess p = fork(() -> {
                    buffered.flush();
                    return 0;
                }, SHORT);
                assertThat(p.waitFor()).isZero();
            } finally {
                System.setOut(saved);
            }
            assertThat(Files.readString(file.toPath())).isEqualTo("token");
        }
    }

    @Nested
    @DisplayName("the Process handle")
    class Handle {
        private ForkedProcess blocked(int[] gate) {
            return fork(() -> forker.read(gate[0], new byte[1], 1) == 1 ? 5 : 6, SHORT);
        }

        @Test
        @DisplayName("pid() is the pid the child reports for itself")
        void pidMatches() throws Exception {
            ForkedProcess p = fork(() -> {
                System.out.print(forker.getpid());
                return 0;
            }, SHORT.withStdout(Stdio.PIPE));
            assertThat(readAll(p.getInputStream())).isEqualTo(Long.toString(p.pid()));
            assertThat(p.waitFor()).isZero();
        }

        @Test
        @DisplayName("waitFor(timeout) is false while the child runs; exitValue throws; isAlive is true")
        void runningChild() throws Exception {
            int[] gate = forker.pipe();
            try {
                ForkedProcess p = blocked(gate);
                assertThat(p.waitFor(100, TimeUnit.MILLISECONDS)).isFalse();
                assertThat(p.isAlive()).isTrue();
                assertThatThrownBy(p::exitValue).isInstanceOf(IllegalThreadStateException.class);
                assertThat(p.toHandle().pid()).isEqualTo(p.pid());
                assertThat(p.toHandle().isAlive()).isTrue();
                children.writeString(gate[1], "g");
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(p.exitValue()).isEqualTo(5);
                assertThat(p.isAlive()).isFalse();
            } finally {
                forker.close(gate[0]);
                forker.close(gate[1]);
            }
        }

        @Test
        @DisplayName("onExit() completes with the process once it has ended")
        void onExitCompletes() throws Exception {
            ForkedProcess p = fork(() -> 9, SHORT);
            CompletableFuture<Process> exit = p.onExit();
            assertThat(exit.get(10, TimeUnit.SECONDS)).isSameAs(p);
            assertThat(p.exitValue()).isEqualTo(9);
        }

        @Test
        @DisplayName("destroy() ends a running task with SIGTERM, which the child obeys")
        void destroySendsSigterm() throws Exception {
            int[] gate = forker.pipe();
            try {
                ForkedProcess p = blocked(gate);
                Thread.sleep(200);
                p.destroy();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                ChildEnd end = p.end().orElseThrow();
                assertThat(end.kind()).isEqualTo(ChildEnd.Kind.SIGNALED);
                assertThat(end.signal()).isEqualTo(Signals.SIGTERM);
                assertThat(p.exitValue()).isEqualTo(128 + Signals.SIGTERM);
            } finally {
                forker.close(gate[0]);
                forker.close(gate[1]);
            }
        }

        @Test
        @DisplayName("destroyForcibly() ends a running task with SIGKILL, reported as a signal, not a hang")
        void destroyForciblySendsSigkill() throws Exception {
            int[] gate = forker.pipe();
            try {
                ForkedProcess p = blocked(gate);
                p.destroyForcibly();
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
                ChildEnd end = p.end().orElseThrow();
                assertThat(end.kind()).isEqualTo(ChildEnd.Kind.SIGNALED);
                assertThat(end.signal()).isEqualTo(Signals.SIGKILL);
            } finally {
                forker.close(gate[0]);
                forker.close(gate[1]);
            }
        }

        @Test
        @DisplayName("a child nobody waits for is still reaped: no zombie remains")
        void reapedWithoutWaiting() throws Exception {
            ForkedProcess p = fork(() -> 0, SHORT);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (p.isAlive() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(p.isAlive()).isFalse();
            assertThat(ProcFs.zombieChildrenOf(ProcessHandle.current().pid())).doesNotContain(p.pid());
        }
    }

    @Nested
    @DisplayName("piped stdio")
    class Piped {
        @Test
        @DisplayName("the child's System.out arrives through getInputStream()")
        void pipedStdout() throws Exception {
            ForkedProcess p = fork(() -> {
                System.out.println("line one");
                System.out.print("line two");
                return 0;
            }, SHORT.withStdout(Stdio.PIPE));
            assertThat(readAll(p.getInputStream())).isEqualTo("line one" + System.lineSeparator() + "line two");
            assertThat(p.waitFor()).isZero();
        }

        @Test
        @DisplayName("the child's System.err arrives through getErrorStream()")
        void pipedStderr() throws Exception {
            ForkedProcess p = fork(() -> {
                System.err.print("to stderr");
                return 0;
            }, SHORT.withStderr(Stdio.PIPE));
            assertThat(readAll(p.getErrorStream())).isEqualTo("to stderr");
            assertThat(p.waitFor()).isZero();
        }

        @Test
        @DisplayName("what the parent writes to getOutputStream() is the child's stdin")
        void pipedStdin() throws Exception {
            ForkedProcess p = fork(() -> {
                byte[] buffer = new byte[64];
                int n = forker.read(0, buffer, buffer.length);
                forker.write(1, buffer, n);
                return 0;
            }, SHORT.withStdin(Stdio.PIPE).withStdout(Stdio.PIPE));
            try (OutputStream in = p.getOutputStream()) {
                in.write("ping".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(readAll(p.getInputStream())).isEqualTo("ping");
            assertThat(p.waitFor()).isZero();
        }
    }

    @Nested
    @DisplayName("a busy parent")
    class BusyParent {
        @Test
        @DisplayName("with a thread printing constantly, 100 of 100 children that print complete")
        // 100 forks: 40-54 s on an arm64 JVM under emulation, against the kit's 60
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        void busyPrinter() throws Exception {
            AtomicBoolean stop = new AtomicBoolean();
            PrintStream sink = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            PrintStream saved = System.out;
            System.setOut(sink);
            Thread printer = new Thread(() -> {
                while (!stop.get()) {
                    System.out.println("parent thread printing");
                }
            }, "busy-printer");
            printer.start();
            // a busy application has its hot code compiled; forking while the JIT is still compiling
            // the very methods the child calls is the remaining risk the README states
            Thread.sleep(1000);
            int completed = 0;
            try {
                for (int i = 0; i < 100; i++) {
                    ForkedProcess p = fork(() -> {
                        System.out.println("child printing");
                        return 0;
                    }, SHORT.withStdout(Stdio.PIPE));
                    String out = readAll(p.getInputStream());
                    if (p.waitFor() == 0 && out.equals("child printing" + System.lineSeparator())) {
                        completed++;
                    }
                }
            } finally {
                stop.set(true);
                printer.join(10_000);
                System.setOut(saved);
            }
            assertThat(completed).isEqualTo(100);
        }
    }
}
