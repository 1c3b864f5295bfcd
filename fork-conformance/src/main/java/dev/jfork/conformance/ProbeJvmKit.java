package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.Signals;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What can only be seen from a JVM of its own (a probe): a fork refused by a pid cgroup, signal chaining
 * with {@code libjsig} preloaded, heaps that are shared mappings (ZGC, {@code -XX:AllocateHeapAt}), a
 * child that ends with its killed parent, the first fork's warm-up. Each probe runs this kit's class path
 * with the backend under test and is killed after {@value #PROBE_SECONDS} s at most. Part of the kit
 * that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class ProbeJvmKit extends PoolExecutorKit {
    /** How long a probe JVM (a test run in a JVM of its own) may live before it is killed, in seconds. */
    static final long PROBE_SECONDS = 90;

    /**
     * Ends a probe JVM with SIGKILL if it still runs after {@link #PROBE_SECONDS}, so that reading its
     * output can never block a test for ever; the test then fails on the probe's output.
     */
    static Process bounded(Process probe) {
        CompletableFuture.delayedExecutor(PROBE_SECONDS, TimeUnit.SECONDS).execute(probe::destroyForcibly);
        return probe;
    }

    /**
     * A probe JVM that runs {@code main} (given the backend's class name) on this kit's class path, with
     * the {@code fork.} system properties of this JVM (e.g. a longer start handshake on a slow machine)
     * and {@code jvmOptions}; its stderr goes with its stdout.
     */
    ProcessBuilder probe(Class<?> main, String... jvmOptions) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(jvmOptions));
        command.add("--enable-native-access=ALL-UNNAMED");
        command.add("-Dfork.warnThreads=false");
        System.getProperties().stringPropertyNames().stream()
            .filter(name -> name.startsWith("fork.") && !name.equals("fork.warnThreads")).sorted()
            .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName(), forker.getClass().getName()));
        return new ProcessBuilder(command).redirectErrorStream(true);
    }

    static String readAll(InputStream in) throws Exception {
        try (InputStream stream = in) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Nested
    @DisplayName("a fork that really fails")
    // a JVM of its own per test: 40-50 s on an arm64 JDK 25 under emulation, against the kit's 60
    @Timeout(value = PROBE_SECONDS + 30, unit = TimeUnit.SECONDS)
    class ForkFailure {
        @Test
        @DisplayName("in a pid cgroup with no room left, fork throws ErrnoException EAGAIN, raw and safe")
        void cgroupLimit() throws Exception {
            Path cgroup = Path.of("/sys/fs/cgroup/pids", "jfork-kit-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
            // a real failure, not a test double: the pids controller refuses the fork. It needs a
            // writable cgroup v1 pids hierarchy, which this project's machines have; elsewhere (no
            // root, cgroup v2 only, a read-only /sys in a container) the test is skipped, saying why.
            try {
                Files.createDirectory(cgroup);
            } catch (java.io.IOException e) {
                Assumptions.abort("needs a writable cgroup v1 pids hierarchy (root, /sys/fs/cgroup/pids): cannot create "
                    + cgroup + ": " + e);
            }
            Process probe = bounded(probe(ForkFailureProbe.class).start());
            try {
                java.io.BufferedReader out = new java.io.BufferedReader(
                    new java.io.InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8));
                String line;
                while ((line = out.readLine()) != null && !line.equals(ForkFailureProbe.READY)) {
                    continue;
                }
                assertThat(line).as("probe ready").isEqualTo(ForkFailureProbe.READY);
                Files.writeString(cgroup.resolve("cgroup.procs"), Long.toString(probe.pid()));
                String current = Files.readString(cgroup.resolve("pids.current")).strip();
                Files.writeString(cgroup.resolve("pids.max"), current);
                probe.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
                probe.getOutputStream().flush();
                String rest = new String(probe.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(rest).contains("RAW EAGAIN fork() failed: EAGAIN (errno 11)")
                    .contains("SAFE EAGAIN").doesNotContain("FORKED");
            } finally {
                probe.destroyForcibly();
                probe.waitFor(20, TimeUnit.SECONDS);
                Files.deleteIfExists(cgroup);
            }
        }
    }

    @Nested
    @DisplayName("signal chaining")
    // a JVM of its own per test: 40-50 s on an arm64 JDK 25 under emulation, against the kit's 60
    @Timeout(value = PROBE_SECONDS + 30, unit = TimeUnit.SECONDS)
    class SignalChaining {
        @Test
        @DisplayName("with libjsig preloaded, destroy() still ends a child with SIGTERM, and no deprecated signal() is called")
        void libjsigPreloaded() throws Exception {
            Path libjsig = Path.of(System.getProperty("java.home"), "lib", "libjsig.so");
            assertThat(libjsig).as("HotSpot's signal-chaining library").isRegularFile();
            ProcessBuilder builder = probe(SignalChainingProbe.class);
            builder.environment().put("LD_PRELOAD", libjsig.toString());
            Process probe = bounded(builder.start());
            try {
                String out = readAll(probe.getInputStream());
                assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
                // libjsig (JDK 16 to 22) warns on stderr when signal() or sigset() is called
                assertThat(out).contains(SignalChainingProbe.ENDED + " " + (128 + Signals.SIGTERM))
                    .doesNotContain("signal()");
                assertThat(probe.exitValue()).as(out).isZero();
            } finally {
                probe.destroyForcibly();
                probe.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    @Nested
    @DisplayName("shared heaps")
    // a JVM of its own per test: 40-50 s on an arm64 JDK 25 under emulation, against the kit's 60
    @Timeout(value = PROBE_SECONDS + 30, unit = TimeUnit.SECONDS)
    class SharedHeap {
        @Test
        @DisplayName("the first fork's warm-up closes no descriptor that another thread opened meanwhile")
        @Timeout(value = 3 * PROBE_SECONDS + 10, unit = TimeUnit.SECONDS) // three JVMs, each bounded
        void warmUpClosesOnlyItsOwn() throws Exception {
            for (int run = 0; run < 3; run++) {
                Process probe = bounded(probe(WarmupFdProbe.class).start());
                String out = readAll(probe.getInputStream());
                assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
                assertThat(out).as("run %d", run).contains(WarmupFdProbe.KEPT).doesNotContain(WarmupFdProbe.LOST);
            }
        }

        @Test
        @DisplayName("a JVM whose heap is a file mapped shared (-XX:AllocateHeapAt) refuses to fork")
        void sharedHeapFileRefused(@TempDir Path heapDir) throws Exception {
            Process probe = bounded(probe(ZgcProbe.class, "-XX:AllocateHeapAt=" + heapDir, "-Xmx256m").start());
            String out = readAll(probe.getInputStream());
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out).contains(ZgcProbe.REFUSED).contains("AllocateHeapAt")
                .contains(ZgcProbe.NO_CHILD).doesNotContain(ZgcProbe.FORKED);
            assertThat(probe.exitValue()).isZero();
        }

        @Test
        @DisplayName("a child does not outlive a parent killed with SIGKILL")
        void childEndsWithItsParent() throws Exception {
            Process probe = bounded(probe(OrphanProbe.class).redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start());
            long child = -1;
            try (java.io.BufferedReader lines = new java.io.BufferedReader(
                new java.io.InputStreamReader(probe.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    if (line.startsWith(OrphanProbe.CHILD)) {
                        child = Long.parseLong(line.substring(OrphanProbe.CHILD.length()).strip());
                        break;
                    }
                }
                assertThat(child).as("the probe's child pid").isPositive();
                probe.destroyForcibly();
                assertThat(probe.waitFor(20, TimeUnit.SECONDS)).isTrue();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                while (running(child) && System.nanoTime() < deadline) {
                    Thread.sleep(20);
                }
                assertThat(running(child)).as("child %d ended with its parent", child).isFalse();
            } finally {
                probe.destroyForcibly();
                if (child > 0) {
                    ProcessHandle.of(child).ifPresent(ProcessHandle::destroyForcibly);
                }
            }
        }

        /** Whether {@code pid} exists and is not a zombie (whoever adopted it may reap it late). */
        private boolean running(long pid) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
            } catch (java.io.IOException gone) {
                return false;
            }
        }

        @Test
        @DisplayName("a JVM running ZGC refuses to fork, names the collector, and no child is made")
        void zgcRefused() throws Exception {
            Process probe = bounded(probe(ZgcProbe.class, "-XX:+UseZGC").start());
            String out = readAll(probe.getInputStream());
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(out).contains(ZgcProbe.REFUSED).contains("ZGC").contains("-XX:+UseG1GC")
                .contains(ZgcProbe.NO_CHILD).doesNotContain(ZgcProbe.FORKED);
            assertThat(probe.exitValue()).isZero();
        }
    }

    @Nested
    @DisplayName("Shenandoah")
    @Timeout(value = 2 * PROBE_SECONDS, unit = TimeUnit.SECONDS)
    class Shenandoah {
        @Test
        @DisplayName("under Shenandoah a child allocates what the heap had free at full speed, and one that needs more is known deadlocked within a second, allocating, not hung in a timed wait")
        void outOfRoomIsDeadlockedNotHung() throws Exception {
            Process probe = bounded(probe(ShenandoahProbe.class, "-XX:+UseShenandoahGC", "-Xmx256m").start());
            String out = readAll(probe.getInputStream());
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            Assumptions.assumeFalse(out.contains("Unrecognized VM option"), "this JVM has no Shenandoah");
            assertThat(out).as(out).contains(ShenandoahProbe.DONE);
            Matcher fits = Pattern.compile(ShenandoahProbe.FITS + "(\\d+) ms: (.*)").matcher(out);
            assertThat(fits.find()).as(out).isTrue();
            assertThat(fits.group(2)).as(out).isEqualTo(ShenandoahProbe.RETURNED);
            // paced, 64 MB took 10.6 s in a child (JDK 17, 2026-12-07) (one TLAB per 10 ms); at full speed well under a second
            assertThat(Long.parseLong(fits.group(1))).as(out).isLessThan(bound(3000));
            Matcher tooMuch = Pattern.compile(ShenandoahProbe.TOO_MUCH + "(\\d+) ms: (.*)").matcher(out);
            assertThat(tooMuch.find()).as(out).isTrue();
            assertThat(tooMuch.group(2)).as(out).contains("deadlocked").doesNotContain("hung").doesNotContain("timed wait");
            if (!ProcFs.emulated()) {
                // the cause is read from the child's stack, which user-mode emulation hides
                assertThat(tooMuch.group(2)).as(out).contains("allocating");
            }
            assertThat(Long.parseLong(tooMuch.group(1))).as(out).isLessThan(bound(2000));
            assertThat(probe.exitValue()).as(out).isZero();
        }
    }

    @Nested
    @DisplayName("what the application configures")
    @Timeout(value = 2 * PROBE_SECONDS, unit = TimeUnit.SECONDS)
    class JdkConfiguration {
        @Test
        @DisplayName("a Forker warmed up and used at start-up leaves java.util.logging to the application: its java.util.logging.manager set afterwards is the one in use (on jna, JNA's own logger is what initialises LogManager, never jfork)")
        void logManagerChosenByTheApplication() throws Exception {
            Process probe = bounded(probe(JdkConfigProbe.class).start());
            String out = readAll(probe.getInputStream());
            assertThat(probe.waitFor(60, TimeUnit.SECONDS)).isTrue();
            if (forker.name().equals("jna")) {
                // JNA logs through java.util.logging: its own Logger is what asks, never jfork's code
                assertThat(out).as(out).containsPattern(JdkConfigProbe.INITIATOR + "com\\.sun\\.jna\\.");
            } else {
                assertThat(out).as(out).contains(JdkConfigProbe.INITIATOR + "none")
                    .contains(JdkConfigProbe.IN_USE + JdkConfigProbe.AppLogManager.class.getName());
            }
            assertThat(probe.exitValue()).as(out).isZero();
        }
    }
}
