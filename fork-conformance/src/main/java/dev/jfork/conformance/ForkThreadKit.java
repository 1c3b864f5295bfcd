package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.ChildEnd;
import dev.jfork.ForkHooks;
import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.ChildTask;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Children that outlive the thread that forked them, and deadlines kept under load. Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 *
 * <p>A child's parent-death signal follows the thread that forked it; jfork forks every Java child of
 * {@code fork}, {@code call} and {@code callAsync} on a thread of its own that never ends, so a child runs
 * its task to the end whichever thread asked for it: one that ended at once, an executor shut down, the
 * thread of {@code CompletableFuture.supplyAsync}. {@code callAsync} returns before its fork, the live
 * children are bounded ({@code fork.maxChildren}), a program started by {@code exec} has no deadline
 * unless one is asked for, and the watchdog keeps a short deadline while other threads fork.
 */
public abstract class ForkThreadKit extends FifoRedirectKit {
    /** How long each task runs after the thread that asked for it has ended. */
    private static final long TASK_MILLIS = 700;
    private static final ForkOptions BOUNDED = ForkOptions.defaults().withDeadline(Duration.ofSeconds(30));

    private ForkedProcess tracked(ForkedProcess p) {
        return tracked.process(p);
    }

    private <T> CompletableFuture<T> tracked(CompletableFuture<T> f) {
        return tracked.call(f);
    }

    /** A task that outlives the thread that forked it: sleeps, then exits with 42. */
    private static ChildTask sleepThen42() {
        return () -> {
            Thread.sleep(TASK_MILLIS);
            return 42;
        };
    }

    /** A call that outlives the thread that asked for it: sleeps, then returns "done". */
    private static Callable<String> sleepThenDone() {
        return () -> {
            Thread.sleep(TASK_MILLIS);
            return "done";
        };
    }

    /** Runs {@code action} on a new thread and returns once that thread has ended. */
    private static <T> T onThreadThatEnds(Callable<T> action) throws Exception {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread thread = new Thread(() -> {
            try {
                result.set(action.call());
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "ends-at-once");
        thread.start();
        thread.join(TimeUnit.SECONDS.toMillis(30));
        assertThat(thread.isAlive()).as("the asking thread ended").isFalse();
        assertThat(failure.get()).as("what the asking thread threw").isNull();
        return result.get();
    }

    private static void assertExited42(ForkedProcess child) throws InterruptedException {
        assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("child %s ended", child.pid()).isTrue();
        ChildEnd end = child.end().orElseThrow();
        assertThat(end.kind()).as("child %s: %s", child.pid(), end).isEqualTo(ChildEnd.Kind.EXITED);
        assertThat(child.exitValue()).isEqualTo(42);
    }

    @Nested
    @DisplayName("a child outlives the thread that forked it")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    class OutlivesItsThread {
        @Test
        @DisplayName("fork from a thread that ends at once: the task runs to its end")
        void forkFromEndingThread() throws Exception {
            Forker safe = Forker.of(forker);
            ForkedProcess child = onThreadThatEnds(() -> tracked(safe.fork(sleepThen42(), BOUNDED)));
            assertExited42(child);
        }

        @Test
        @DisplayName("callAsync from a thread that ends at once: the future gets the task's result")
        void callAsyncFromEndingThread() throws Exception {
            Forker safe = Forker.of(forker);
            Callable<String> task = sleepThenDone();
            CompletableFuture<String> result = onThreadThatEnds(() -> tracked(safe.callAsync(task, BOUNDED)));
            assertThat(result.get(20, TimeUnit.SECONDS)).isEqualTo("done");
        }

        @Test
        @DisplayName("fork, call and callAsync from an executor shut down at once all complete their tasks")
        void fromExecutorShutDown() throws Exception {
            Forker safe = Forker.of(forker);
            ChildTask forkTask = sleepThen42();
            Callable<String> callTask = sleepThenDone();
            ExecutorService executor = Executors.newFixedThreadPool(3);
            Future<ForkedProcess> forkedChild = executor.submit(() -> tracked(safe.fork(forkTask, BOUNDED)));
            Future<CompletableFuture<String>> async = executor.submit(() -> tracked(safe.callAsync(callTask, BOUNDED)));
            Future<String> called = executor.submit(() -> safe.call(callTask, BOUNDED));
            executor.shutdown();
            ForkedProcess child = forkedChild.get(20, TimeUnit.SECONDS);
            CompletableFuture<String> asyncResult = async.get(20, TimeUnit.SECONDS);
            assertThat(called.get(20, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(executor.awaitTermination(20, TimeUnit.SECONDS)).as("the executor's threads ended").isTrue();
            assertExited42(child);
            assertThat(asyncResult.get(20, TimeUnit.SECONDS)).isEqualTo("done");
        }

        @Test
        @DisplayName("fork, call and callAsync from CompletableFuture.supplyAsync, a new thread per task, complete")
        void fromSupplyAsync() throws Exception {
            Forker safe = Forker.of(forker);
            ChildTask forkTask = sleepThen42();
            Callable<String> callTask = sleepThenDone();
            // as the common pool does on a small machine: each task on a thread that ends after it
            java.util.concurrent.Executor newThreadEach = command -> new Thread(command, "supply-async").start();
            CompletableFuture<ForkedProcess> forkedChild = CompletableFuture.supplyAsync(
                () -> tracked(safe.fork(forkTask, BOUNDED)), newThreadEach);
            CompletableFuture<String> async = CompletableFuture.supplyAsync(
                () -> tracked(safe.callAsync(callTask, BOUNDED)), newThreadEach).thenCompose(f -> f);
            CompletableFuture<String> called = CompletableFuture.supplyAsync(
                () -> safe.call(callTask, BOUNDED), newThreadEach);
            assertExited42(forkedChild.get(20, TimeUnit.SECONDS));
            assertThat(async.get(20, TimeUnit.SECONDS)).isEqualTo("done");
            assertThat(called.get(20, TimeUnit.SECONDS)).isEqualTo("done");
        }
    }

    @Nested
    @DisplayName("callAsync and the bound on live children")
    @Timeout(value = ProbeJvmKit.PROBE_SECONDS + 30, unit = TimeUnit.SECONDS)
    class AsyncAndBound {
        @Test
        @DisplayName("callAsync returns while its fork is still under way (held up in a before hook)")
        void callAsyncReturnsBeforeItsFork() throws Exception {
            Forker safe = Forker.of(forker);
            Callable<String> task = () -> "forked";
            CountDownLatch inHook = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            AtomicBoolean armed = new AtomicBoolean(true);
            Runnable hook = () -> {
                if (armed.getAndSet(false)) {
                    inHook.countDown();
                    try {
                        release.await(30, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            };
            ForkHooks.registerBefore(hook);
            Thread caller = null;
            try {
                CountDownLatch returned = new CountDownLatch(1);
                AtomicReference<CompletableFuture<String>> future = new AtomicReference<>();
                caller = new Thread(() -> {
                    future.set(tracked(safe.callAsync(task, BOUNDED)));
                    returned.countDown();
                }, "async-caller");
                caller.start();
                assertThat(inHook.await(RawSpiKit.bound(10_000), TimeUnit.MILLISECONDS)).as("the fork began").isTrue();
                assertThat(returned.await(RawSpiKit.bound(2_000), TimeUnit.MILLISECONDS))
                    .as("callAsync returned while its fork waited in a before hook").isTrue();
                assertThat(future.get().isDone()).as("not done before its fork").isFalse();
                release.countDown();
                assertThat(future.get().get(20, TimeUnit.SECONDS)).isEqualTo("forked");
            } finally {
                release.countDown();
                ForkHooks.unregister(hook);
                if (caller != null) {
                    caller.join(30_000);
                }
            }
        }

        @Test
        @DisplayName("with -Dfork.maxChildren=2 a third fork waits for a child's end, and an interrupted wait throws")
        void liveChildrenBounded() throws Exception {
            List<String> command = new ArrayList<>();
            command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            command.add("--enable-native-access=ALL-UNNAMED");
            command.add("-Dfork.warnThreads=false");
            command.add("-D" + Forker.MAX_CHILDREN_PROPERTY + "=2");
            System.getProperties().stringPropertyNames().stream()
                .filter(name -> name.startsWith("fork.") && !name.equals("fork.warnThreads")
                    && !name.equals(Forker.MAX_CHILDREN_PROPERTY)).sorted()
                .forEach(name -> command.add("-D" + name + "=" + System.getProperty(name)));
            command.addAll(List.of("-cp", System.getProperty("java.class.path"), MaxChildrenProbe.class.getName(),
                forker.getClass().getName()));
            Process probe = ProbeJvmKit.bounded(new ProcessBuilder(command).redirectErrorStream(true).start());
            try {
                String out = ProbeJvmKit.readAll(probe.getInputStream());
                assertThat(probe.waitFor(60, TimeUnit.SECONDS)).as("probe ended; output:%n%s", out).isTrue();
                String waited = out.lines().filter(l -> l.startsWith(MaxChildrenProbe.WAITED)).findFirst().orElse("");
                assertThat(waited).as("probe output:%n%s", out).contains("firstEnded=true").contains("firstExit=0");
                long millis = Long.parseLong(waited.substring(MaxChildrenProbe.WAITED.length()).split(" ")[0]);
                assertThat(millis).as("the third fork waited for the first child's end")
                    .isGreaterThanOrEqualTo(MaxChildrenProbe.FIRST_MILLIS / 2);
                assertThat(out).as("probe output").contains(MaxChildrenProbe.INTERRUPTED + "waiting=WAITING threw"
                    + " interrupted=true jfork: interrupted while callAsync waited for one of the 2 children allowed");
                assertThat(probe.exitValue()).as("probe output:%n%s", out).isZero();
            } finally {
                probe.destroyForcibly();
                probe.waitFor(20, TimeUnit.SECONDS);
            }
        }
    }

    @Nested
    @DisplayName("deadlines")
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    class Deadlines {
        @Test
        @DisplayName("exec has no deadline unless one is asked for, as ProcessBuilder; fork keeps the default")
        void execHasNoDefaultDeadline() throws Exception {
            Forker safe = Forker.of(forker);
            ForkedProcess plain = tracked(safe.exec(List.of("sleep", "30")));
            ForkedProcess piped = tracked(safe.exec(List.of("sleep", "30"),
                ForkOptions.defaults().withStdout(ForkOptions.Stdio.DISCARD)));
            ForkedProcess bounded = tracked(safe.exec(List.of("sleep", "30"),
                ForkOptions.defaults().withDeadline(Duration.ofSeconds(25)).withStdout(ForkOptions.Stdio.DISCARD)));
            ForkedProcess javaChild = tracked(safe.fork(() -> 0));
            assertThat(plain.deadline()).as("exec with the default options").isEmpty();
            assertThat(piped.deadline()).as("exec with options made from the defaults").isEmpty();
            assertThat(bounded.deadline()).as("exec with a deadline asked for").contains(Duration.ofSeconds(25));
            assertThat(javaChild.deadline()).as("a forked Java child").contains(ForkOptions.defaults().deadline().orElseThrow());
            assertThat(javaChild.waitFor()).isZero();
        }

        @Test
        @DisplayName("the watchdog ends a 300 ms deadline within 50 ms of it while four other threads fork")
        void deadlineKeptUnderForkLoad() throws Exception {
            Forker safe = Forker.of(forker);
            // the same look with no other fork: what this machine adds by itself (its load, a child's exit)
            List<Long> quiet = lateness(safe, 0);
            List<Long> loaded = lateness(safe, 4);
            long quietMedian = median(quiet);
            assertThat(median(loaded))
                .as("median ms past a 300 ms deadline before the child was ended, four threads forking: %s;"
                    + " with none: %s", loaded, quiet)
                .isLessThanOrEqualTo(Math.max(quietMedian, 0) + RawSpiKit.bound(50));
        }
    }

    private static long median(List<Long> values) {
        List<Long> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    /**
     * How long after a 300 ms deadline each of 7 spinning children was ended (a zombie or gone), while
     * {@code forking} other threads fork back to back.
     */
    private List<Long> lateness(Forker safe, int forking) throws Exception {
        ChildTask quick = () -> 0;
        ChildTask spin = () -> {
            while (true) {
                Thread.onSpinWait();
            }
        };
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = new ArrayList<>();
        for (int i = 0; i < forking; i++) {
            Thread t = new Thread(() -> {
                while (!stop.get()) {
                    try {
                        ForkedProcess p = safe.fork(quick, BOUNDED);
                        p.waitFor();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }, "forking-" + i);
            t.start();
            load.add(t);
        }
        List<Long> late = new ArrayList<>();
        try {
            Thread.sleep(300);
            for (int round = 0; round < 7; round++) {
                ForkedProcess child = tracked(safe.fork(spin, ForkOptions.defaults().withDeadline(Duration.ofMillis(300))));
                // the deadline runs from before fork() returns: this start is no earlier than its
                long start = System.nanoTime();
                long ended = -1;
                while (ended < 0 && System.nanoTime() - start < TimeUnit.SECONDS.toNanos(10)) {
                    char state;
                    try {
                        state = RawSpiKit.processState((int) child.pid());
                    } catch (java.io.IOException gone) {
                        state = 'X';
                    }
                    if (state == 'Z' || state == 'X') {
                        ended = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
                    } else {
                        Thread.sleep(1);
                    }
                }
                assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();
                assertThat(child.end().orElseThrow().kind()).isEqualTo(ChildEnd.Kind.HUNG);
                late.add(ended - 300);
            }
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join(30_000);
            }
        }
        return late;
    }
}
