package dev.jfork.conformance;

import static dev.jfork.conformance.CallResultTypes.REGISTRY;
import static dev.jfork.conformance.CallResultTypes.registered;
import static dev.jfork.conformance.CallResultTypes.slowDone;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildFailureException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkPool;
import dev.jfork.PoolOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.conformance.CallResultTypes.PluginLoader;
import dev.jfork.conformance.CallResultTypes.Registered;
import dev.jfork.conformance.CallResultTypes.Slow;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A call's result and exception, read outside jfork's locks and resolved with the task's own class loader;
 * what a task hands back beside them: a {@code fork} task's exit code out of range, a {@code call}'s stdio
 * settings refused, a {@code callAsync} future completed from outside ending its child. Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class CallResultKit extends NestedForkKit {
    private static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));
    ForkedProcess started(ForkedProcess p) {
        return tracked.process(p);
    }

    <T> CompletableFuture<T> pending(CompletableFuture<T> f) {
        return tracked.call(f);
    }

    @Nested
    @DisplayName("a call's result is read outside jfork's locks")
    class ReadOutsideLocks {
        @Test
        @Timeout(60)
        @DisplayName("a result whose readResolve takes a lock held by a thread that forks meanwhile completes, and so does that fork")
        void readResolveTakesAnAppLock() throws Exception {
            Forker safe = Forker.of(forker);
            safe.call(() -> new Registered(0));
            CallResultTypes.resolving = new CountDownLatch(1);
            registered.set(false);
            CountDownLatch held = new CountDownLatch(1);
            AtomicBoolean appForked = new AtomicBoolean();
            Thread app = new Thread(() -> {
                REGISTRY.lock();
                try {
                    held.countDown();
                    if (CallResultTypes.resolving.await(bound(20_000), TimeUnit.MILLISECONDS)) {
                        // the result's readResolve waits for REGISTRY now; this thread forks meanwhile
                        appForked.set(safe.call(() -> 7, SHORT) == 7);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    REGISTRY.unlock();
                }
            }, "app holding REGISTRY");
            app.start();
            try {
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
                Registered r = safe.call(() -> new Registered(42), SHORT);
                assertThat(r.value).isEqualTo(42);
            } finally {
                app.join(bound(30_000));
            }
            assertThat(appForked).as("the call made by the thread holding REGISTRY returned").isTrue();
            assertThat(registered).as("readResolve got REGISTRY (it was not run under jfork's fork lock)").isTrue();
        }

        @Test
        @Timeout(60)
        @DisplayName("a slow readObject of a callAsync result delays neither an unrelated fork nor another child's deadline")
        void slowReadObjectDelaysNoFork() throws Exception {
            Forker safe = Forker.of(forker);
            CallResultTypes.slowMillis = 0;
            safe.call(() -> new Slow(0));
            CallResultTypes.slowMillis = bound(4000);
            slowDone.set(false);
            CallResultTypes.resolving = new CountDownLatch(1);
            ForkedProcess spinner = started(safe.fork(() -> {
                while (true) {
                    Thread.onSpinWait();
                }
            }, ForkOptions.defaults().withDeadline(Duration.ofMillis(600))));
            CompletableFuture<Slow> slow = pending(safe.callAsync(() -> new Slow(1), SHORT));
            assertThat(CallResultTypes.resolving.await(bound(20_000), TimeUnit.MILLISECONDS)).as("readObject began").isTrue();
            ForkedProcess unrelated = started(safe.fork(() -> 3, SHORT));
            assertThat(unrelated.waitFor(bound(20_000), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(unrelated.exitValue()).isEqualTo(3);
            assertThat(slowDone).as("the unrelated fork was made and ended while readObject still ran").isFalse();
            assertThat(spinner.waitFor(bound(20_000), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(slowDone).as("the spinner was ended at its deadline while readObject still ran").isFalse();
            assertThat(slow.get(bound(20_000), TimeUnit.MILLISECONDS).value).isEqualTo(1);
        }
    }

    @Nested
    @DisplayName("a call's result and exception are resolved with the task's own class loader")
    class TaskClassLoaders {
        @Test
        @Timeout(60)
        @DisplayName("a record that lives in the task's class loader comes back as that loader's class")
        void recordOfTheTasksLoader() throws Exception {
            Forker safe = Forker.of(forker);
            try (PluginLoader plugin = new PluginLoader()) {
                java.util.concurrent.Callable<Object> task = plugin.task("point");
                assertThat(task.getClass().getClassLoader()).isSameAs(plugin);
                Object point = safe.call(task, SHORT);
                assertThat(point.getClass().getName()).isEqualTo(PluginLoader.PACKAGE + "PluginTask$Point");
                assertThat(point.getClass().getClassLoader()).as("the result's class loader").isSameAs(plugin);
                assertThat(point).hasToString("Point[x=1, y=2]");
                assertThat(safe.callAsync(task, SHORT).get(bound(20_000), TimeUnit.MILLISECONDS).getClass())
                    .isSameAs(point.getClass());
            }
        }

        @Test
        @Timeout(60)
        @DisplayName("an exception class that lives in the task's class loader is rebuilt as that class")
        void exceptionOfTheTasksLoader() throws Exception {
            Forker safe = Forker.of(forker);
            try (PluginLoader plugin = new PluginLoader()) {
                java.util.concurrent.Callable<Object> task = plugin.task("throw");
                Throwable thrown = null;
                try {
                    safe.call(task, SHORT);
                } catch (ChildFailureException e) {
                    thrown = e.getCause();
                }
                assertThat(thrown).as("the task's exception").isNotNull();
                assertThat(thrown.getClass().getName()).isEqualTo(PluginLoader.PACKAGE + "PluginTask$Refused");
                assertThat(thrown.getClass().getClassLoader()).as("the exception's class loader").isSameAs(plugin);
                assertThat(thrown).hasMessage("refused by the plugin");
            }
        }

        @Test
        @Timeout(60)
        @DisplayName("a pool's arguments, results and exceptions are resolved with its function's class loader")
        void poolOfTheFunctionsLoader() throws Exception {
            Forker safe = Forker.of(forker);
            try (PluginLoader plugin = new PluginLoader();
                 ForkPool<Object, Object> pool = safe.pool(plugin.function(), PoolOptions.defaults().withSize(1)
                     .withDeadline(Duration.ofSeconds(20)))) {
                Object point = plugin.task("point").call();
                Object moved = pool.submit(point);
                assertThat(moved.getClass()).as("the result's class").isSameAs(point.getClass());
                assertThat(moved).hasToString("Point[x=2, y=3]");
                Throwable thrown = null;
                try {
                    pool.submit("x");
                } catch (ChildFailureException e) {
                    thrown = e.getCause();
                }
                assertThat(thrown).as("the function's exception").isNotNull();
                assertThat(thrown.getClass().getClassLoader()).as("the exception's class loader").isSameAs(plugin);
                assertThat(pool.submit(moved)).hasToString("Point[x=3, y=4]");
            }
        }

        @Test
        @Timeout(120)
        @DisplayName("the class loaders of tasks that were called are collected once nothing else holds them")
        void loadersAreNotPinned() throws Exception {
            Forker safe = Forker.of(forker);
            List<java.lang.ref.WeakReference<ClassLoader>> loaders = new java.util.ArrayList<>();
            for (int i = 0; i < 5; i++) {
                loaders.add(calledInItsOwnLoader(safe, i % 2 == 0 ? "plain" : "point"));
            }
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bound(20_000));
            long alive = 5;
            while (alive > 0 && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(100);
                alive = loaders.stream().filter(w -> w.get() != null).count();
            }
            assertThat(alive).as("plugin class loaders still reachable after GC").isZero();
        }

        /** In a method of its own: no local of this frame keeps the loader reachable afterwards. */
        private java.lang.ref.WeakReference<ClassLoader> calledInItsOwnLoader(Forker safe, String mode)
            throws Exception {
            try (PluginLoader plugin = new PluginLoader()) {
                assertThat(safe.call(plugin.task(mode), SHORT)).isNotNull();
                return new java.lang.ref.WeakReference<>(plugin);
            }
        }
    }

    @Nested
    @DisplayName("what a task hands back beside its result")
    class TaskOutcomes {
        @Test
        @Timeout(60)
        @DisplayName("a fork task's exit code outside 0 to 255 is not cut to 8 bits: the child says so on its stderr and exits with 70")
        void exitCodeOutOfRange() throws Exception {
            Forker safe = Forker.of(forker);
            ForkOptions piped = SHORT.withStderr(Redirect.PIPE);
            for (int code : new int[] {256, 300, -1}) {
                ForkedProcess p = started(safe.fork(() -> code, piped));
                String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(p.waitFor(bound(20_000), TimeUnit.MILLISECONDS)).isTrue();
                assertThat(p.exitValue()).as("exit code of a task that returned %s", code)
                    .isEqualTo(ForkedProcess.EXIT_UNCAUGHT);
                assertThat(err).contains("returned " + code + " as its exit code").contains("0 to 255");
            }
            ForkedProcess top = started(safe.fork(() -> 255, piped));
            assertThat(top.waitFor(bound(20_000), TimeUnit.MILLISECONDS)).isTrue();
            assertThat(top.exitValue()).isEqualTo(255);
        }

        @Test
        @Timeout(60)
        @DisplayName("call refuses a stdio setting, naming it, rather than dropping it unseen")
        void callRefusesStdio() {
            Forker safe = Forker.of(forker);
            assertThatThrownBy(() -> safe.call(() -> 1, SHORT.withStdout(Redirect.PIPE)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("withStdout(PIPE)")
                .hasMessageContaining("fork(task, options)");
            assertThatThrownBy(() -> safe.callAsync(() -> 1, SHORT.withStderrToStdout()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("withStderrToStdout()");
            assertThatThrownBy(() -> safe.call(() -> 1, SHORT.withStdin(Redirect.from(new java.io.File("/dev/null")))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("withStdin(");
            assertThat(safe.call(() -> 1, SHORT.withStdout(Redirect.INHERIT))).isEqualTo(1);
        }

        @Test
        @Timeout(60)
        @DisplayName("a callAsync future completed from outside (orTimeout, complete) ends its child")
        void completedFromOutsideEndsTheChild() throws Exception {
            Forker safe = Forker.of(forker);
            long sleep = bound(30_000);
            Set<Long> before = childPids();
            CompletableFuture<Integer> timed = pending(safe.callAsync(() -> {
                Thread.sleep(sleep);
                return 1;
            }, SHORT.withDeadline(Duration.ofMillis(2 * sleep))));
            CompletableFuture<Integer> completed = pending(safe.callAsync(() -> {
                Thread.sleep(sleep);
                return 2;
            }, SHORT.withDeadline(Duration.ofMillis(2 * sleep))));
            // callAsync returns before its fork: wait until both children exist
            Set<Long> mine = childPids();
            mine.removeAll(before);
            long forked = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bound(10_000));
            while (mine.size() < 2 && System.nanoTime() < forked) {
                Thread.sleep(10);
                mine = childPids();
                mine.removeAll(before);
            }
            assertThat(mine).as("the two calls' children").hasSize(2);
            timed.orTimeout(200, TimeUnit.MILLISECONDS);
            assertThatThrownBy(() -> timed.get(bound(10_000), TimeUnit.MILLISECONDS)).hasCauseInstanceOf(TimeoutException.class);
            assertThat(completed.complete(5)).isTrue();
            assertThat(completed.get()).isEqualTo(5);
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(bound(5000));
            Set<Long> left = childPids();
            left.retainAll(mine);
            while (!left.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(20);
                left = childPids();
                left.retainAll(mine);
            }
            assertThat(left).as("children of the futures completed from outside, still there").isEmpty();
        }

        private Set<Long> childPids() {
            Set<Long> pids = new java.util.HashSet<>();
            ProcessHandle.current().children().forEach(h -> pids.add(h.pid()));
            return pids;
        }
    }

    /** A program run by the source launcher ({@code java Main.java}): its classes exist in the launcher's memory only. */
    static final String SOURCE_PROGRAM = String.join("\n",
        "import dev.jfork.*;",
        "public class Main {",
        "    public record Point(int x, int y) implements java.io.Serializable { }",
        "    public static class Refused extends RuntimeException {",
        "        public Refused(String message) { super(message); }",
        "    }",
        "    public static void main(String[] args) throws Exception {",
        "        Forker f = Forker.of((dev.jfork.spi.ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance());",
        "        Point p = f.call(() -> new Point(1, 2));",
        "        System.out.println(\"POINT \" + p + \" same loader: \" + (p.getClass().getClassLoader() == Main.class.getClassLoader()));",
        "        try {",
        "            f.call(() -> { throw new Refused(\"no\"); });",
        "        } catch (ChildFailureException e) {",
        "            System.out.println(\"THREW \" + e.getCause().getClass().getName());",
        "        }",
        "    }",
        "}", "");

    @Nested
    @DisplayName("a call from a program run by the source launcher")
    class SourceLauncher {
        @Test
        @Timeout(120)
        @DisplayName("returns a record and throws an exception declared beside the task, in a java Main.java program")
        void recordBesideTheTask(@TempDir Path dir) throws Exception {
            Assumptions.assumeTrue(ModuleLayer.boot().findModule("jdk.compiler").isPresent(),
                "the source launcher needs jdk.compiler, which this runtime lacks");
            Path main = dir.resolve("Main.java");
            Files.writeString(main, SOURCE_PROGRAM);
            List<String> command = new java.util.ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "--enable-native-access=ALL-UNNAMED",
                "-Dfork.warnThreads=false"));
            System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("fork.") && !name.equals("fork.warnThreads")).sorted()
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.toString(),
                forker.getClass().getName()));
            Process probe = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out;
            try {
                CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                    try {
                        return probe.getInputStream().readAllBytes();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                assertThat(probe.waitFor(bound(90_000), TimeUnit.MILLISECONDS)).as("the probe ended").isTrue();
                out = new String(read.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
            } finally {
                probe.destroyForcibly();
                probe.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(out).contains("POINT Point[x=1, y=2] same loader: true").contains("THREW Main$Refused");
            assertThat(probe.exitValue()).as("the probe's exit code; it printed:%n%s", out).isZero();
        }
    }
}
