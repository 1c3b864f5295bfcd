package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ErrnoException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.WaitStatus;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.ProcessForker;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Children reaped and signalled safely when SIGCHLD is ignored or another reaper runs, and their pipes drained without blocking. Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class ReapingKit extends CallResultKit {
    private static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));

    private <P extends Process> P tracked(P p) {
        return tracked.process(p);
    }

    /**
     * Starts {@code sleep 60} as a process that takes {@code pid}, through {@code ns_last_pid} (root
     * only), so that a signal sent to that number would reach it.
     *
     * @return the stranger, or null when that cannot be done here
     */
    private Process strangerWithPid(long pid) throws Exception {
        Path lastPid = Path.of("/proc/sys/kernel/ns_last_pid");
        if (!Files.isWritable(lastPid)) {
            return null;
        }
        for (int attempt = 0; attempt < 50; attempt++) {
            Files.writeString(lastPid, Long.toString(pid - 1));
            Process stranger = tracked(new ProcessBuilder("sleep", "60").start());
            if (stranger.pid() == pid) {
                return stranger;
            }
            // another process of this machine took the number first
            stranger.destroyForcibly();
            stranger.waitFor();
        }
        return null;
    }

    @Nested
    @DisplayName("a child reaped by someone else")
    class ReapedElsewhere {
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("after a foreign waitpid reaped it, waitFor returns 0 with an unknown end, and no signal reaches"
            + " the process that took its pid")
        void foreignReaperNeverLetsASignalReachAStranger() throws Exception {
            Forker safe = Forker.of(forker);
            ForkedProcess child = tracked(safe.exec(List.of("sh", "-c", "read line; exit 5"), SHORT.withStdin(Stdio.PIPE)));
            int pid = (int) child.pid();
            int[] foreignStatus = {-2};
            AtomicInteger foreignReaped = new AtomicInteger();
            // a library's own reaper, racing jfork's: it waits for the child by its pid, with the raw backend
            Thread foreign = new Thread(() -> {
                try {
                    int[] status = new int[1];
                    foreignReaped.set(forker.waitpid(pid, status, 0));
                    foreignStatus[0] = status[0];
                } catch (RuntimeException jforkWasFirst) {
                    foreignReaped.set(-1);
                }
            }, "foreign-reaper");
            foreign.start();
            Thread.sleep(50);
            try (OutputStream in = child.getOutputStream()) {
                in.write("go\n".getBytes(StandardCharsets.US_ASCII));
            }
            foreign.join(bound(10_000));
            assertThat(foreign.isAlive()).as("the foreign reaper returned").isFalse();
            Process stranger = foreignReaped.get() == pid ? strangerWithPid(pid) : null;

            assertThat(child.waitFor(bound(10_000), TimeUnit.MILLISECONDS)).as("waitFor returns").isTrue();
            ChildEnd end = child.end().orElseThrow();
            if (foreignReaped.get() == pid) {
                assertThat(WaitStatus.of(foreignStatus[0]).exitCode()).as("what the foreign reaper got").isEqualTo(5);
                assertThat(end.kind()).as("%s", end).isEqualTo(ChildEnd.Kind.UNKNOWN);
                assertThat(end.status().unknown()).isTrue();
                assertThat(child.exitValue()).as("exitValue after ECHILD, as the JDK's Process").isZero();
                assertThat(child.waitFor()).isZero();
                assertThat(child.toString()).contains("status unknown");
            } else {
                // jfork reaped it first: its status is known
                assertThat(child.exitValue()).isEqualTo(5);
            }
            child.destroy();
            child.destroyForcibly();
            if (stranger != null) {
                assertThat(stranger.waitFor(200, TimeUnit.MILLISECONDS)).as("the stranger with pid %s was signalled", pid)
                    .isFalse();
                assertThat(stranger.isAlive()).isTrue();
            }
        }

        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("a call whose child a foreign waitpid(-1) reaped returns the task's result, and fork never throws ECHILD")
        void callReapedByForeignWaitAnyReturnsItsResult() throws Exception {
            Forker safe = Forker.of(forker);
            List<Integer> stolen = new ArrayList<>();
            for (int round = 0; round < 5; round++) {
                int[] reaped = {0};
                AtomicBoolean stop = new AtomicBoolean();
                // a library that reaps whatever child ends: with no child yet, waitpid(-1) fails with ECHILD
                Thread foreign = new Thread(() -> {
                    while (!stop.get() && reaped[0] <= 0) {
                        try {
                            reaped[0] = forker.waitpid(-1, new int[1], 0);
                        } catch (ErrnoException noChildYet) {
                            LockSupport.parkNanos(100_000);
                        }
                    }
                }, "foreign-wait-any");
                foreign.start();
                int value = round;
                try {
                    assertThat(safe.call(() -> 40 + value)).as("round %s", round).isEqualTo(40 + value);
                } finally {
                    stop.set(true);
                    // a foreign wait still blocked ends with a child of its own
                    for (int i = 0; i < 20 && foreign.isAlive(); i++) {
                        tracked(new ProcessBuilder("true").start());
                        foreign.join(200);
                    }
                }
                assertThat(foreign.isAlive()).as("the foreign wait ended").isFalse();
                stolen.add(reaped[0]);
            }
            assertThat(stolen).as("pids the foreign wait reaped (not one of jfork's: the test proves nothing)")
                .anyMatch(pid -> pid > 0);
        }

        @Test
        @Timeout(value = 150, unit = TimeUnit.SECONDS)
        @DisplayName("in a JVM started with SIGCHLD ignored, jfork sets it back to its default with one warning, and"
            + " children's ends and results are known")
        void sigchldIgnoredIsRestoredWithAWarning() throws Exception {
            List<String> command = new ArrayList<>();
            command.addAll(List.of("bash", "-c", "trap '' CHLD; exec \"$@\"", "bash"));
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("-Dfork.warnThreads=false");
            System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("fork.") && !name.equals("fork.warnThreads")).sorted()
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
            command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                SigchldIgnoredProbe.class.getName(), forker.getClass().getName()));
            Process probe = tracked(new ProcessBuilder(command).redirectErrorStream(true).start());
            ProbeJvmKit.bounded(probe);
            String output = ProbeJvmKit.readAll(probe.getInputStream());
            assertThat(probe.waitFor()).as(output).isZero();
            assertThat(output).contains(SigchldIgnoredProbe.IGNORED_AT_START + "true")
                .contains(SigchldIgnoredProbe.FORKED + "3")
                .contains(SigchldIgnoredProbe.CALLED + "42")
                .contains(SigchldIgnoredProbe.EXECED + "7")
                .contains(SigchldIgnoredProbe.IGNORED_AFTER + "false");
            boolean jforkSawIt = output.contains(SigchldIgnoredProbe.IGNORED_FOR_JFORK + "true");
            assertThat(output.split("SIGCHLD was ignored", -1)).as("the warning, once if jfork saw SIG_IGN: %s", output)
                .hasSize(jforkSawIt ? 2 : 1);
        }
    }

    /** The 'jfork callback' threads now inside a child pipe's end ({@code childEnded}). */
    private static long threadsInChildEnded() {
        return Thread.getAllStackTraces().entrySet().stream()
            .filter(e -> e.getKey().getName().startsWith("jfork callback"))
            .filter(e -> List.of(e.getValue()).stream().anyMatch(f -> f.getMethodName().equals("childEnded")))
            .count();
    }

    /** Kills the process whose pid the file holds, once it has one (a grandchild that is not ours to reap). */
    private static void killPidIn(Path pidFile) throws Exception {
        for (int i = 0; i < 50 && Files.size(pidFile) == 0; i++) {
            Thread.sleep(20);
        }
        String pid = Files.readString(pidFile).strip();
        if (!pid.isEmpty()) {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Nested
    @DisplayName("a child's pipes at its end, while a grandchild holds them")
    class PipesAtTheEnd {
        @TempDir
        Path dir;

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("what the child wrote is read at once after waitFor, then the end of file, and no jfork thread"
            + " waits for the grandchild")
        void grandchildHoldingStdoutBlocksNothing() throws Exception {
            Path pidFile = Files.createFile(dir.resolve("sleep.pid"));
            Forker safe = Forker.of(forker);
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                ForkedProcess child = tracked(safe.exec(List.of("sh", "-c", "sleep 30 & echo $! > '" + pidFile
                    + "'; echo hi"), SHORT.withStdout(Stdio.PIPE)));
                assertThat(child.waitFor()).isZero();
                Thread.sleep(200);
                Future<byte[]> read = reader.submit(() -> child.getInputStream().readAllBytes());
                assertThat(new String(read.get(bound(5_000), TimeUnit.MILLISECONDS), StandardCharsets.US_ASCII))
                    .as("read after waitFor while the grandchild sleeps 30 s").isEqualTo("hi\n");
                assertThat(threadsInChildEnded()).as("jfork threads waiting in a pipe's end").isZero();
            } finally {
                killPidIn(pidFile);
                reader.shutdownNow();
            }
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("a grandchild that writes without end is taken into memory only up to a bound, and the rest"
            + " stays readable")
        void floodingGrandchildIsBounded() throws Exception {
            Path pidFile = Files.createFile(dir.resolve("yes.pid"));
            Forker safe = Forker.of(forker);
            ExecutorService reader = Executors.newSingleThreadExecutor();
            try {
                // the child ends once yes has filled the pipe
                ForkedProcess child = tracked(safe.exec(List.of("sh", "-c", "yes & echo $! > '" + pidFile
                    + "'; sleep 0.3"), SHORT.withStdout(Stdio.PIPE)));
                assertThat(child.waitFor()).isZero();
                Thread.sleep(1_000);
                assertThat(threadsInChildEnded()).as("jfork threads still taking a pipe's end").isZero();
                Future<Integer> available = reader.submit(() -> child.getInputStream().available());
                int held = available.get(bound(5_000), TimeUnit.MILLISECONDS);
                assertThat(held).as("bytes held in memory").isPositive().isLessThanOrEqualTo(1 << 20);
                // either the pipe was found empty for an instant and closed (what yes writes later is lost, as
                // with Process), or the bound was reached and what is beyond it is read from the pipe
                Future<byte[]> more = reader.submit(() -> child.getInputStream().readNBytes(2 << 20));
                byte[] got = more.get(bound(5_000), TimeUnit.MILLISECONDS);
                assertThat(got.length).as("read from the stream").isGreaterThanOrEqualTo(held);
                if (held < 1 << 20) {
                    assertThat(got).as("a pipe closed at the end gives what was held, then the end of file").hasSize(held);
                }
                assertThat(new String(got, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("y\ny\n");
            } finally {
                killPidIn(pidFile);
                reader.shutdownNow();
                // past the bound the pipe stays open until the stream is closed (or read to its end)
                for (Process p : tracked.processes()) {
                    p.getInputStream().close();
                }
            }
        }
    }

    @Nested
    @DisplayName("the guarded backend refuses a NUL in a path")
    class NulInPaths {
        @TempDir
        Path dir;

        @Test
        @Timeout(value = 30, unit = TimeUnit.SECONDS)
        @DisplayName("open() of a path holding NUL throws IllegalArgumentException and creates no file")
        void openRefusesNul() {
            Path victim = dir.resolve("victim");
            ProcessForker guarded = Forker.of(forker).backend();
            assertThatThrownBy(() -> guarded.open(victim + "\0.safe-suffix",
                OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_CLOEXEC, 0600))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
            assertThat(dir.toFile().list()).as("files created").isEmpty();
        }

        @Test
        @Timeout(value = 30, unit = TimeUnit.SECONDS)
        @DisplayName("a native spawn of an argument, directory or environment entry holding NUL is refused")
        void spawnRefusesNul() {
            ProcessForker guarded = Forker.of(forker).backend();
            if (!(guarded instanceof NativeSpawn)) {
                // nothing to refuse: this backend has no native spawn
                return;
            }
            NativeSpawn spawn = (NativeSpawn) guarded;
            for (Runnable call : List.<Runnable>of(
                () -> reapIfStarted(guarded, spawn.spawn(new String[] {"true", "a\0b"}, -1, -1, -1)),
                () -> reapIfStarted(guarded, spawn.spawn(new String[] {"true"}, -1, -1, -1, "/\0tmp", null)),
                () -> reapIfStarted(guarded, spawn.spawn(new String[] {"true"}, -1, -1, -1, null,
                    new String[] {"A=1\0B=2"})))) {
                assertThatThrownBy(call::run).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("NUL");
            }
        }

        private void reapIfStarted(ProcessForker guarded, int pid) {
            guarded.waitpid(pid, new int[1], 0);
            throw new AssertionError("spawn started pid " + pid + " instead of refusing; reaped it");
        }
    }
}
