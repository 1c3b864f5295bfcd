package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import java.io.BufferedInputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The safe layer's own promises, which a correct parent relies on: descriptors it does not own are
 * never touched, a task never runs twice, and the {@link Process} it returns keeps
 * {@code java.lang.Process}'s contract. The first room of the safe layer: {@link #jfork}, and
 * {@link #SHORT}, serve the rooms after it up to {@link EverydayJavaKit} (how call fails is
 * {@link CallErrorsKit}'s, forkRaw {@link ForkRawKit}'s). Part of the kit that every backend runs
 * through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class SafeLayerPromisesKit extends RawExecKit {
    /** A deadline well beyond what these tests' children need. */
    static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));

    /** The safe layer on the backend under test, for these tests and those of the rooms up to {@link EverydayJavaKit}. */
    Forker jfork;

    @BeforeEach
    void createSafeLayer() {
        jfork = Forker.of(forker);
    }

    private ForkedProcess fork(dev.jfork.ChildTask task, ForkOptions options) {
        return tracked.process(jfork.fork(task, options));
    }

    private static String text(InputStream in) throws IOException {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Nested
    @DisplayName("descriptors: a child holds only its own")
    class Descriptors {
        @Test
        @DisplayName("a child forked later does not hold an earlier child's stdin open: the first sees end of file")
        void laterChildDoesNotHoldEarlierStdin() throws Exception {
            ForkedProcess reader = fork(() -> {
                byte[] all = System.in.readAllBytes();
                return all.length == 3 ? 0 : 1;
            }, SHORT.withStdin(Stdio.PIPE));
            ForkedProcess sleeper = fork(() -> {
                Thread.sleep(8000);
                return 0;
            }, SHORT);
            try (OutputStream stdin = reader.getOutputStream()) {
                stdin.write("abc".getBytes(StandardCharsets.UTF_8));
            }
            assertThat(reader.waitFor(4, TimeUnit.SECONDS))
                .as("the reader saw end of file although a later child was still running").isTrue();
            assertThat(reader.exitValue()).isZero();
            assertThat(sleeper.isAlive()).isTrue();
        }

        @Test
        @DisplayName("a call does not wait for an unrelated child forked while it ran")
        void callDoesNotWaitForOtherChildren() throws Exception {
            List<ForkedProcess> sleepers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                CompletableFuture<Integer> quick = jfork.callAsync(() -> 7, SHORT);
                ForkedProcess sleeper = fork(() -> {
                    Thread.sleep(6000);
                    return 0;
                }, SHORT);
                sleepers.add(sleeper);
                long start = System.nanoTime();
                assertThat(quick.get(20, TimeUnit.SECONDS)).isEqualTo(7);
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("call %d returned while the sleeper forked after it still ran", i).isLessThan(3000);
            }
            sleepers.forEach(ForkedProcess::destroyForcibly);
        }

        @Test
        @DisplayName("200 children whose piped stdout was read but never closed leave no descriptor behind")
        // 200 forks: 50 s on an arm64 JDK 25 under emulation, against the kit's 60
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        void endedChildrenReleaseTheirPipes() throws Exception {
            long before = openDescriptors();
            for (int i = 0; i < 200; i++) {
                ForkedProcess p = fork(() -> {
                    System.out.print("x");
                    return 0;
                }, SHORT.withStdout(Stdio.PIPE).withStderr(Stdio.PIPE).withStdin(Stdio.PIPE));
                assertThat(p.getInputStream().read()).isEqualTo('x');
                assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            long after = openDescriptors();
            while (after > before + 10 && System.nanoTime() < deadline) {
                Thread.sleep(50);
                after = openDescriptors();
            }
            assertThat(after).as("descriptors open after 200 ended children (before: %d)", before)
                .isLessThanOrEqualTo(before + 10);
        }

        private long openDescriptors() throws IOException {
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                return fds.count();
            }
        }
    }

    @Nested
    @DisplayName("a task never runs twice")
    class NeverTwice {
        @Test
        @DisplayName("with a 1 ms start handshake, every child that fork returned ran its task, exactly once")
        // many forks, most of them made again: 44-50 s on an arm64 JVM under emulation, against the kit's 60
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        void forkUnderAHairTrigger() throws Exception {
            // each task writes its own 4-byte mark down a pipe with one raw write (made in the parent)
            int[] marks = forker.pipe();
            List<Integer> seen = new ArrayList<>();
            Thread reader = new Thread(() -> {
                byte[] mark = new byte[4];
                while (children.readFully(marks[0], mark)) {
                    synchronized (seen) {
                        seen.add(java.nio.ByteBuffer.wrap(mark).getInt());
                    }
                }
            }, "marks reader");
            reader.start();
            String old = System.setProperty(Forker.HANDSHAKE_PROPERTY, "1");
            List<Integer> returned = new ArrayList<>();
            List<ForkedProcess> children = new ArrayList<>();
            try {
                for (int i = 0; i < 60; i++) {
                    byte[] mark = java.nio.ByteBuffer.allocate(4).putInt(i).array();
                    try {
                        children.add(fork(() -> forker.write(marks[1], mark, 4) == 4 ? 0 : 1, SHORT));
                        returned.add(i);
                    } catch (ChildFailureException neverStarted) {
                        // every attempt was killed before its commit: the task never ran
                    }
                }
            } finally {
                restore(old);
                for (ForkedProcess p : children) {
                    p.waitFor(20, TimeUnit.SECONDS);
                }
                forker.close(marks[1]);
                reader.join(20_000);
                forker.close(marks[0]);
            }
            for (ForkedProcess p : children) {
                assertThat(p.end()).get().as("child %d", p.pid()).extracting(ChildEnd::kind)
                    .isEqualTo(ChildEnd.Kind.EXITED);
            }
            synchronized (seen) {
                assertThat(seen).as("one mark per child that fork returned, none twice")
                    .containsExactlyInAnyOrderElementsOf(returned);
            }
        }

        @Test
        @DisplayName("with a 1 ms start handshake, each exec runs its program once")
        void execUnderAHairTrigger(@TempDir Path dir) throws Exception {
            Path marks = dir.resolve("marks");
            Files.createFile(marks);
            String old = System.setProperty(Forker.HANDSHAKE_PROPERTY, "1");
            int returned = 0;
            try {
                for (int i = 0; i < 40; i++) {
                    try {
                        Process p = jfork.exec(List.of("/bin/sh", "-c", "echo " + i + " >> '" + marks + "'"), SHORT);
                        assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
                        assertThat(p.exitValue()).isZero();
                        returned++;
                    } catch (ChildFailureException neverStarted) {
                        // killed before its commit each time: it never ran
                    }
                }
            } finally {
                restore(old);
            }
            assertThat(Files.readAllLines(marks)).hasSize(returned).doesNotHaveDuplicates();
        }

        private void restore(String old) {
            if (old == null) {
                System.clearProperty(Forker.HANDSHAKE_PROPERTY);
            } else {
                System.setProperty(Forker.HANDSHAKE_PROPERTY, old);
            }
        }
    }

    @Nested
    @DisplayName("the Process contract")
    class ProcessContract {
        @Test
        @DisplayName("after the child ended, toHandle, info, children and descendants answer as the JDK's do")
        void handleAfterTheEnd() throws Exception {
            ForkedProcess p = fork(() -> 0, SHORT);
            assertThat(p.waitFor()).isZero();
            ProcessHandle handle = p.toHandle();
            assertThat(handle.pid()).isEqualTo(p.pid());
            assertThat(handle.isAlive()).isFalse();
            assertThat(p.info()).isNotNull();
            assertThat(p.children()).isEmpty();
            assertThat(p.descendants()).isEmpty();
            assertThat(handle.destroyForcibly()).isFalse();
        }

        @Test
        @DisplayName("stdio that is not piped gives the JDK's null streams: reads end at once, writes throw, close does nothing")
        void nullStreamsAsTheJdks() throws Exception {
            Process jdk = new ProcessBuilder("true").redirectInput(ProcessBuilder.Redirect.INHERIT)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            ForkedProcess ours = fork(() -> 0, SHORT);
            try {
                for (Process p : List.of(jdk, ours)) {
                    String which = p == jdk ? "ProcessBuilder's" : "jfork's";
                    for (InputStream in : List.of(p.getInputStream(), p.getErrorStream())) {
                        assertThat(in.read()).as(which).isEqualTo(-1);
                        assertThat(in.read(new byte[4], 0, 4)).as(which).isEqualTo(-1);
                        assertThat(in.available()).as(which).isZero();
                        in.close();
                        assertThat(in.read()).as("%s, after close", which).isEqualTo(-1);
                    }
                    OutputStream out = p.getOutputStream();
                    assertThatThrownBy(() -> out.write('x')).as(which).isInstanceOf(IOException.class);
                    assertThatThrownBy(() -> out.write(new byte[] {1, 2})).as(which).isInstanceOf(IOException.class);
                    out.flush();
                    out.close();
                    out.close();
                }
            } finally {
                assertThat(jdk.waitFor(20, TimeUnit.SECONDS)).isTrue();
            }
            assertThat(ours.waitFor()).isZero();
        }

        @Test
        @DisplayName("an onExit continuation runs on a thread that is not one of jfork's")
        void onExitRunsOffJforkThreads() throws Exception {
            ForkedProcess p = fork(() -> 0, SHORT);
            AtomicReference<String> thread = new AtomicReference<>();
            p.onExit().thenRun(() -> thread.set(Thread.currentThread().getName())).get(20, TimeUnit.SECONDS);
            assertThat(thread.get()).doesNotStartWith(Forker.THREAD_NAME_PREFIX);
            String callThread = jfork.callAsync(() -> 1, SHORT).thenApply(v -> Thread.currentThread().getName())
                .get(20, TimeUnit.SECONDS);
            assertThat(callThread).doesNotStartWith(Forker.THREAD_NAME_PREFIX);
        }

        @Test
        @DisplayName("a child reads its own System.in, never the parent's buffered bytes")
        void childHasItsOwnStdin() throws Exception {
            InputStream parentIn = System.in;
            BufferedInputStream buffered = new BufferedInputStream(new ByteArrayInputStream(
                "parent's bytes".getBytes(StandardCharsets.UTF_8)));
            buffered.mark(1);
            buffered.read();
            buffered.reset();
            System.setIn(buffered);
            try {
                ForkedProcess p = fork(() -> {
                    System.out.print(new String(System.in.readAllBytes(), StandardCharsets.UTF_8));
                    return 0;
                }, SHORT.withStdin(Stdio.PIPE).withStdout(Stdio.PIPE));
                try (OutputStream stdin = p.getOutputStream()) {
                    stdin.write("child's".getBytes(StandardCharsets.UTF_8));
                }
                assertThat(text(p.getInputStream())).isEqualTo("child's");
                assertThat(p.waitFor()).isZero();
            } finally {
                System.setIn(parentIn);
            }
        }

        @Test
        @DisplayName("a parent thread blocked reading System.in does not block the child's System.in")
        void blockedParentReaderDoesNotBlockTheChild() throws Exception {
            InputStream parentIn = System.in;
            CountDownLatch release = new CountDownLatch(1);
            InputStream blocking = new BufferedInputStream(new InputStream() {
                @Override
                public int read() throws IOException {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return -1;
                }
            });
            System.setIn(blocking);
            Thread reader = new Thread(() -> {
                try {
                    blocking.read();
                } catch (IOException ignored) {
                    // ends the thread
                }
            }, "parent stdin reader");
            reader.start();
            try {
                Thread.sleep(100);
                ForkedProcess p = fork(() -> System.in.read() == 'k' ? 0 : 1,
                    SHORT.withStdin(Stdio.PIPE));
                try (OutputStream stdin = p.getOutputStream()) {
                    stdin.write('k');
                }
                assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("the child read its own stdin").isTrue();
                assertThat(p.exitValue()).isZero();
            } finally {
                release.countDown();
                reader.join(5000);
                System.setIn(parentIn);
            }
        }

        @Test
        @DisplayName("the backend a Forker hands out refuses pids that name a group or every child")
        void handedOutBackendIsGuarded() {
            assertThatThrownBy(() -> jfork.backend().kill(0, 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("process group");
            assertThatThrownBy(() -> jfork.backend().waitpid(-1, new int[1], 1))
                .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
