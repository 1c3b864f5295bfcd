package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ErrnoException;
import dev.jfork.ForkHooks;
import dev.jfork.ForkOptions;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.spi.ProcessForker;
import java.io.BufferedOutputStream;
import java.io.File;
import java.io.FileOutputStream;
import java.io.ObjectStreamClass;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The conformance kit: the raw SPI ({@link RawSpiKit}) and the safe layer ({@link Forker}), run
 * unchanged by every backend through one short subclass that implements {@link #createBackend()}.
 * Micrometer's {@code MeterRegistryCompatibilityKit} is the model.
 */
public abstract class ProcessForkerCompatibilityKit extends ProbeJvmKit {
    private static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));

    /** The safe layer on the backend under test. */
    protected Forker safe;
    private final Set<ForkedProcess> made = ConcurrentHashMap.newKeySet();

    @BeforeEach
    void createForker() {
        safe = Forker.of(forker);
    }

    @AfterEach
    void endSafeChildren() throws InterruptedException {
        for (ForkedProcess p : made) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).as("child %s reaped", p.pid()).isTrue();
        }
    }

    private ForkedProcess track(ForkedProcess p) {
        made.add(p);
        return p;
    }

    private ForkedProcess fork(dev.jfork.ChildTask task, ForkOptions options) {
        return track(safe.fork(task, options));
    }

    private static void closeStreams(Process p) throws Exception {
        p.getInputStream().close();
        p.getErrorStream().close();
        p.getOutputStream().close();
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

    /** A result type that cannot cross the pipe. */
    static final class NotSerializable {
    }

    /** A result type that can. */
    record Point(int x, int y) implements Serializable {
    }

    @Nested
    @DisplayName("call(task)")
    class Call {
        @Test
        @DisplayName("returns the task's value, computed in the child")
        void returnsValue() {
            // the README's advice: serialise a result type once in the parent, so the child defines no class
            ObjectStreamClass.lookup(Point.class);
            int[] numbers = {3, 4};
            Point point = safe.call(() -> new Point(numbers[0] * 10, numbers[1] * forker.getpid() / forker.getpid()), SHORT);
            assertThat(point).isEqualTo(new Point(30, 4));
        }

        @Test
        @DisplayName("returns null and large values intact")
        void largeAndNull() {
            assertThat((Object) safe.call(() -> null, SHORT)).isNull();
            String big = safe.call(() -> "x".repeat(1_000_000), SHORT);
            assertThat(big).hasSize(1_000_000);
        }

        @Test
        @DisplayName("re-throws the task's exception, with the child's stack trace, as the cause")
        void rethrows() {
            assertThatThrownBy(() -> safe.call(() -> {
                throw new IllegalArgumentException("bad input in child");
            }, SHORT))
                .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                    assertThat(e.getCause()).isInstanceOf(IllegalArgumentException.class).hasMessage("bad input in child");
                    assertThat(e.getCause().getStackTrace()).isNotEmpty();
                    assertThat(e.getMessage()).contains("threw", "bad input in child");
                    assertThat(e.end()).get().extracting(ChildEnd::exitCode).isEqualTo(ForkedProcess.EXIT_UNCAUGHT);
                });
        }

        @Test
        @DisplayName("a result that cannot be serialised fails with a message that says so")
        void notSerializable() {
            assertThatThrownBy(() -> safe.call(NotSerializable::new, SHORT))
                .isInstanceOf(ChildFailureException.class)
                .hasMessageContaining("cannot be serialised")
                .hasMessageContaining(NotSerializable.class.getName());
        }

        @Test
        @DisplayName("a child killed by SIGKILL in the middle of call fails with an exception naming the signal")
        void killedMidCall() {
            assertThatThrownBy(() -> safe.call(() -> {
                forker.kill(forker.getpid(), Signals.SIGKILL);
                return "never";
            }, SHORT))
                .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                    assertThat(e.getMessage()).contains("SIGKILL");
                    assertThat(e.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.SIGNALED);
                });
        }

        @Test
        @DisplayName("callAsync completes with the value")
        void callAsync() throws Exception {
            CompletableFuture<Integer> future = safe.callAsync(() -> 6 * 7, SHORT);
            assertThat(future.get(20, TimeUnit.SECONDS)).isEqualTo(42);
        }
    }

    @Nested
    @DisplayName("exec")
    class Exec {
        @Test
        @DisplayName("exec of sh -c 'exit 7' exits 7")
        void execExitCode() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("sh", "-c", "exit 7"), SHORT));
            assertThat(p.waitFor()).isEqualTo(7);
        }

        @Test
        @DisplayName("exec with a piped stdout hands over the program's output")
        void execPipedStdout() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("echo", "hello", "world"), SHORT.withStdout(Stdio.PIPE)));
            assertThat(readAll(p.getInputStream())).isEqualTo("hello world\n");
            assertThat(p.waitFor()).isZero();
        }

        @Test
        @DisplayName("the program inherits only fds 0, 1 and 2")
        void onlyStdioInherited() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("sh", "-c", "cd /proc/self/fd && echo *"),
                SHORT.withStdout(Stdio.PIPE)));
            String fds = readAll(p.getInputStream()).strip();
            // under qemu-user (where the spawn is a plain fork of the emulator) CI once saw this child end
            // at its 20 s deadline: say how it ended
            assertThat(p.waitFor()).as("%s, which printed '%s'", p, fds).isZero();
            // the shell's own glob may hold one descriptor of its own open while it reads the directory
            assertThat(List.of(fds.split(" "))).contains("0", "1", "2").hasSizeLessThanOrEqualTo(4);
        }

        @Test
        @DisplayName("the program starts with an empty signal mask and SIGTERM, SIGINT, SIGHUP not ignored")
        void signalsAtDefault() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"),
                SHORT.withStdout(Stdio.PIPE)));
            String status = readAll(p.getInputStream());
            assertThat(p.waitFor()).isZero();
            long blocked = -1;
            long ignored = -1;
            for (String line : status.split("\n")) {
                String[] kv = line.split(":\\s*");
                if (kv[0].equals("SigBlk")) {
                    blocked = Long.parseUnsignedLong(kv[1].strip(), 16);
                } else if (kv[0].equals("SigIgn")) {
                    ignored = Long.parseUnsignedLong(kv[1].strip(), 16);
                }
            }
            assertThat(blocked).as("SigBlk of %s", status).isZero();
            long termIntHup = (1L << (Signals.SIGTERM - 1)) | (1L << (2 - 1)) | (1L << (1 - 1));
            assertThat(ignored & termIntHup).as("SigIgn of %s", status).isZero();
        }

        @Test
        @DisplayName("exec of a missing program throws ErrnoException ENOENT, and leaves no child behind")
        void missingProgram() {
            assertThatThrownBy(() -> safe.exec(List.of("/nonexistent/jfork-missing"), SHORT))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.getMessage()).contains("/nonexistent/jfork-missing");
                });
        }

        @Test
        @DisplayName("exec of a file that is not executable throws ErrnoException EACCES")
        void notExecutable(@TempDir Path dir) throws Exception {
            Path plain = Files.writeString(dir.resolve("plain.sh"), "exit 0\n");
            assertThatThrownBy(() -> safe.exec(List.of(plain.toString()), SHORT))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("EACCES"));
        }

        @Test
        @DisplayName("exec of an empty argv is refused before any fork")
        void emptyArgv() {
            assertThatThrownBy(() -> safe.exec(List.of(), SHORT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("argv is empty");
        }
    }

    @Nested
    @DisplayName("native child paths")
    class NativePaths {
        @Test
        @DisplayName("forkPrintingPid writes the child's own pid in one line")
        void printsPid() throws Exception {
            ForkedProcess p = track(safe.forkPrintingPid("Hello from child ", "\n", SHORT.withStdout(Stdio.PIPE)));
            assertThat(readAll(p.getInputStream())).isEqualTo("Hello from child " + p.pid() + "\n");
            assertThat(p.waitFor()).isZero();
        }
    }

    @Nested
    @DisplayName("at-fork hooks")
    class Hooks {
        private final List<Runnable> registered = new ArrayList<>();

        @AfterEach
        void unregister() {
            registered.forEach(ForkHooks::unregister);
        }

        @Test
        @DisplayName("run before in reverse order, afterInParent and afterInChild in registration order")
        void order() throws Exception {
            List<String> parentSide = new ArrayList<>();
            StringBuilder childSide = new StringBuilder();
            for (String name : List.of("a", "b", "c")) {
                Runnable before = () -> parentSide.add("before-" + name);
                Runnable afterParent = () -> parentSide.add("parent-" + name);
                Runnable afterChild = () -> childSide.append("child-").append(name).append(' ');
                registered.addAll(List.of(before, afterParent, afterChild));
                ForkHooks.registerBefore(before);
                ForkHooks.registerAfterInParent(afterParent);
                ForkHooks.registerAfterInChild(afterChild);
            }
            ForkedProcess p = fork(() -> {
                System.out.print(childSide.toString().strip());
                return 0;
            }, SHORT.withStdout(Stdio.PIPE));
            assertThat(readAll(p.getInputStream())).isEqualTo("child-a child-b child-c");
            assertThat(p.waitFor()).isZero();
            assertThat(parentSide).containsExactly("before-c", "before-b", "before-a", "parent-a", "parent-b", "parent-c");
            assertThat(childSide.toString()).as("the parent's copy is untouched").isEmpty();
        }

        @Test
        @DisplayName("a fork made again because a watched thread ran during it runs each hook once")
        // the first fork of a JVM under emulation warms it up for 50 s and more (62 s on an arm64 JDK 25)
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        void busyForkMadeAgainRunsHooksOnce() throws Exception {
            List<String> parentSide = new ArrayList<>();
            Runnable before = () -> parentSide.add("before");
            Runnable afterParent = () -> parentSide.add("parent");
            registered.addAll(List.of(before, afterParent));
            ForkHooks.registerBefore(before);
            ForkHooks.registerAfterInParent(afterParent);
            // a thread named like jfork's own, awake for 50 us every 200 us: idle often enough for the
            // wait before the fork, and sure to run during the fork of a JVM (milliseconds)
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch running = new CountDownLatch(1);
            Thread busy = new Thread(() -> {
                running.countDown();
                while (!stop.get()) {
                    long until = System.nanoTime() + 50_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    LockSupport.parkNanos(200_000);
                }
            }, Forker.THREAD_NAME_PREFIX + "kit-busy");
            busy.setDaemon(true);
            long restartsBefore = Forker.restartsBeforeStart();
            busy.start();
            Integer answer;
            try {
                // by now the thread carries its name where jfork looks (/proc/self/task/<tid>/comm)
                assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
                // on a loaded machine a fork may find no idle instant (and so nothing to compare); on an
                // arm64 JDK 25 under emulation, 10 calls in a row were never made again: calls, until one
                // of them was (at least 10, for at least 10 s times the kit's time scale); each runs
                // each hook exactly once
                answer = null;
                long started = System.nanoTime();
                for (int i = 0; Forker.restartsBeforeStart() == restartsBefore
                        && (i < 10 || System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(bound(10_000))); i++) {
                    parentSide.clear();
                    answer = safe.call(() -> 42, SHORT);
                    assertThat(parentSide).as("call %d", i).containsExactly("before", "parent");
                }
            } finally {
                stop.set(true);
                busy.join(5000);
            }
            assertThat(busy.isAlive()).isFalse();
            assertThat(answer).isEqualTo(42);
            assertThat(Forker.restartsBeforeStart() - restartsBefore)
                .as("children discarded before their go byte and forked again").isPositive();
        }

        @Test
        @DisplayName("a before hook that throws aborts the fork: no child is made")
        void throwingBeforeHookAborts() {
            Runnable failing = () -> {
                throw new IllegalStateException("hook says no");
            };
            registered.add(failing);
            ForkHooks.registerBefore(failing);
            List<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).toList();
            assertThatThrownBy(() -> safe.fork(() -> 0, SHORT)).hasMessage("hook says no");
            assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).toList()).isEqualTo(before);
        }
    }

    @Nested
    @DisplayName("the watchdog")
    class Watchdog {
        @Test
        @DisplayName("a child that loops forever is reported hung within its deadline plus 1 s")
        void loopingChildIsHung() throws Exception {
            ForkedProcess p = fork(() -> {
                long spins = 0;
                while (spins >= 0) {
                    spins++;
                }
                return 0;
            }, ForkOptions.defaults().withDeadline(Duration.ofSeconds(1)));
            long start = System.nanoTime();
            assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
            long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            ChildEnd end = p.end().orElseThrow();
            assertThat(end.kind()).isEqualTo(ChildEnd.Kind.HUNG);
            assertThat(end.hung()).isTrue();
            assertThat(millis).isLessThanOrEqualTo(bound(2000));
            // and what it was doing when its deadline passed
            assertThat(p.toString()).contains("hung").contains("it was running");
        }

        @Test
        @DisplayName("call of a task that hangs fails with an exception that says hung, and in what")
        void hungCall() {
            assertThatThrownBy(() -> safe.call(() -> {
                int[] pipe = forker.pipe();
                forker.read(pipe[0], new byte[1], 1);
                return 1;
            }, ForkOptions.defaults().withDeadline(Duration.ofSeconds(1))))
                .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                    assertThat(e.getMessage()).contains("hung").containsPattern("it was asleep reading fd [0-9]+ ");
                    assertThat(e.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.HUNG);
                });
        }

        @Test
        @DisplayName("a deadline below 1 ms is refused; withoutDeadline is explicit")
        void deadlineValidation() {
            assertThatThrownBy(() -> ForkOptions.defaults().withDeadline(Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("withoutDeadline");
            assertThat(ForkOptions.defaults().withoutDeadline().deadline()).isEmpty();
            assertThat(ForkOptions.defaults().deadline()).contains(ForkOptions.DEFAULT_DEADLINE);
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

    @Nested
    @DisplayName("bad input")
    class BadInput {
        @ParameterizedTest(name = "pid {0} is refused by kill and waitpid, naming what it would have meant")
        @ValueSource(ints = {0, -1, -4242})
        void nonPositivePid(int pid) {
            ProcessForker guarded = ProcessForkers.backend(forker.name());
            assertThatThrownBy(() -> guarded.kill(pid, Signals.SIGKILL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("kill(pid=" + pid + ")");
            assertThatThrownBy(() -> guarded.waitpid(pid, new int[1], WaitStatus.WNOHANG))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("process");
            assertThatThrownBy(() -> guarded.awaitExitWithoutReaping(pid))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("waitid(pid=" + pid + ")");
        }

        @Test
        @DisplayName("exec, execv and execvp refuse an argument with a NUL character, as ProcessBuilder does; nothing starts")
        void execArgumentWithNul() {
            List<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).toList();
            assertThatThrownBy(() -> safe.exec(List.of("echo", "a\0b")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("argv[1]").hasMessageContaining("NUL");
            assertThatThrownBy(() -> safe.exec(null)).isInstanceOf(NullPointerException.class).hasMessage("argv");
            // the raw SPI through ProcessForkers refuses before any exec (so this parent is never replaced)
            ProcessForker guarded = ProcessForkers.backend(forker.name());
            assertThatThrownBy(() -> guarded.execvp("echo", new String[] {"echo", "a\0b"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("execvp: argv[1] holds a NUL");
            assertThatThrownBy(() -> guarded.execv("/bin/ec\0ho", new String[] {"echo"}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("execv: the program's name");
            assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).toList()).isEqualTo(before);
        }

        @Test
        @DisplayName("a null backend name is a NullPointerException, a blank one names the known backends")
        void nullOrBlankName() {
            assertThatThrownBy(() -> ProcessForkers.backend(null)).isInstanceOf(NullPointerException.class);
            assertThatThrownBy(() -> ProcessForkers.backend(" "))
                .isInstanceOf(dev.jfork.BackendSelectionException.class)
                .hasMessageContaining("empty backend name").hasMessageContaining(forker.name() + ": available");
        }

        @Test
        @DisplayName("the backend name is matched without regard to case or surrounding spaces")
        void nameCaseAndSpaces() {
            assertThat(ProcessForkers.backend("  " + forker.name().toUpperCase(java.util.Locale.ROOT) + " ").name())
                .isEqualTo(forker.name());
        }

        @Test
        @DisplayName("an unknown backend name is an error naming jni, jnr and jna")
        void unknownName() {
            assertThatThrownBy(() -> ProcessForkers.backend("nope"))
                .isInstanceOf(dev.jfork.BackendSelectionException.class)
                .hasMessageContaining("jni").hasMessageContaining("jnr").hasMessageContaining("jna")
                .hasMessageContaining(forker.name() + ": available");
        }
    }
}
