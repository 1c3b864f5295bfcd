package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildTask;
import dev.jfork.ForkOptions;
import dev.jfork.ForkPool;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import dev.jfork.ChildFailureException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pool's lifecycle as its users expect of an executor: a submission in a forked child is refused at
 * once, an interrupted or cancelled submission ends its task's child, the live children of a pool are
 * bounded, a task's deadlock is timed from its submission, and an argument is read only by the child that
 * runs it. Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class PoolLifecycleKit extends ChildRuntimeKit {
    private static final Duration READY = Duration.ofSeconds(30);
    private static final PoolOptions POOL = PoolOptions.defaults().withDeadline(Duration.ofSeconds(30));
    /** The exit code of a child whose every submission was refused with the nested-fork reason. */
    private static final int ALL_REFUSED = 42;

    private Forker safe;

    @BeforeEach
    void createLifecycleForker() {
        safe = Forker.of(forker);
    }

    private <A, R> ForkPool<A, R> closed(ForkPool<A, R> pool) {
        return tracked.closing(pool);
    }

    private ForkedProcess reaped(ForkedProcess p) {
        return tracked.process(p);
    }

    @Nested
    @DisplayName("a pool used in a forked child")
    class PoolInAChild {
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("submit and submitAsync of the parent's pool are refused at once in a child, saying why")
        void submitRefusedInAChild() throws Exception {
            ForkPool<Integer, Integer> pool = closed(safe.pool((Integer x) -> x + 1, POOL.withSize(1)));
            assertThat(pool.awaitReady(READY)).isTrue();
            assertThat(pool.submit(1)).isEqualTo(2);
            assertThat(pool.awaitReady(READY)).isTrue();
            Integer argument = 41;
            ChildTask inChild = () -> {
                int refusals = 0;
                try {
                    pool.submit(argument);
                } catch (IllegalStateException e) {
                    refusals += e.getMessage() != null && e.getMessage().contains("was called in a forked child") ? 1 : 0;
                }
                try {
                    pool.submitAsync(argument);
                } catch (IllegalStateException e) {
                    refusals += e.getMessage() != null && e.getMessage().contains("was called in a forked child") ? 1 : 0;
                }
                return refusals == 2 ? ALL_REFUSED : refusals;
            };
            long start = System.nanoTime();
            ForkedProcess child = reaped(safe.fork(inChild, ForkOptions.defaults().withDeadline(Duration.ofSeconds(20))));
            assertThat(child.waitFor()).as("%s (2 refusals give %d)", child, ALL_REFUSED).isEqualTo(ALL_REFUSED);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("known at once, not at the child's deadline").isLessThan(Duration.ofMillis(RawSpiKit.bound(10_000)));
            assertThat(pool.submit(2)).as("the parent's pool goes on").isEqualTo(3);
        }
    }

    /** A task that sleeps 5 s, then writes its argument's file: the file is there only if it was not ended. */
    private static final Function<String, Integer> SLEEP_THEN_MARK = path -> {
        try {
            Thread.sleep(5_000);
            Files.writeString(Path.of(path), "ran");
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return 1;
    };

    @Nested
    @DisplayName("an interrupted or cancelled pool submission")
    class PoolInterrupts {
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("an interrupted submit throws at once, keeps the interrupt status and ends the task's child")
        void interruptedSubmitEndsItsChild(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
            Path mark = dir.resolve("sync.mark");
            ForkPool<String, Integer> pool = closed(safe.pool(SLEEP_THEN_MARK, POOL.withSize(1)));
            assertThat(pool.awaitReady(READY)).isTrue();
            Thread self = Thread.currentThread();
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            long start = System.nanoTime();
            try {
                timer.schedule(self::interrupt, 200, TimeUnit.MILLISECONDS);
                assertThatThrownBy(() -> pool.submit(mark.toString()))
                    .isInstanceOf(ChildFailureException.class).hasMessageContaining("interrupted");
                assertThat(Thread.interrupted()).as("the interrupt status is kept").isTrue();
            } finally {
                timer.shutdownNow();
                Thread.interrupted();
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("at once, not when the 5 s task ends")
                .isLessThan(Duration.ofMillis(RawSpiKit.bound(3_000)));
            Thread.sleep(RawSpiKit.bound(6_000));
            assertThat(mark).as("the task's child was ended").doesNotExist();
            assertThat(pool.submit("" + dir.resolve("after.mark"))).as("the pool goes on").isEqualTo(1);
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("submitAsync(..).cancel(true) ends the task's child")
        void cancelledSubmitAsyncEndsItsChild(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
            Path mark = dir.resolve("async.mark");
            ForkPool<String, Integer> pool = closed(safe.pool(SLEEP_THEN_MARK, POOL.withSize(1)));
            assertThat(pool.awaitReady(READY)).isTrue();
            CompletableFuture<Integer> future = pool.submitAsync(mark.toString());
            Thread.sleep(300);
            assertThat(future.cancel(true)).isTrue();
            Thread.sleep(RawSpiKit.bound(6_000));
            assertThat(mark).as("the cancelled task's child was ended").doesNotExist();
        }
    }

    /** A task that marks itself running with a file of its own for half a second. */
    private static final Function<String, Integer> RUN_HALF_A_SECOND = path -> {
        try {
            Path running = Files.createFile(Path.of(path));
            Thread.sleep(500);
            Files.delete(running);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return 1;
    };

    @Nested
    @DisplayName("a busy pool")
    class PoolBackpressure {
        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("runs at most size tasks at once, with a bounded number of children and no thread per submission")
        void boundedChildrenAndThreads(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
            int size = 2;
            int submissions = 12;
            ForkPool<String, Integer> pool = closed(safe.pool(RUN_HALF_A_SECOND, POOL.withSize(size)));
            assertThat(pool.awaitReady(READY)).isTrue();
            int threadsBefore = Thread.activeCount();
            List<CompletableFuture<Integer>> futures = new ArrayList<>();
            for (int i = 0; i < submissions; i++) {
                futures.add(pool.submitAsync(dir.resolve("task" + i).toString()));
            }
            long maxRunning = 0;
            long maxChildren = 0;
            int maxThreads = 0;
            while (futures.stream().anyMatch(f -> !f.isDone())) {
                try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                    maxRunning = Math.max(maxRunning, files.count());
                }
                maxChildren = Math.max(maxChildren, ProcessHandle.current().children().count());
                maxThreads = Math.max(maxThreads, Thread.activeCount() - threadsBefore);
                Thread.sleep(20);
            }
            for (CompletableFuture<Integer> f : futures) {
                assertThat(f.get()).isEqualTo(1);
            }
            assertThat(maxRunning).as("tasks running at once").isLessThanOrEqualTo(size);
            assertThat(maxChildren).as("live children: size running, size waiting, and those ending")
                .isLessThanOrEqualTo(3L * size);
            // not one per submission: the pool's size of them, and a few of jfork's own (reapers, the deadlock
            // poller) that may start meanwhile (JDK 25 CI saw 5 for 12 submissions)
            assertThat(maxThreads).as("threads added for %d submissions", submissions).isLessThanOrEqualTo(size + 4)
                .isLessThan(submissions);
        }
    }

    /** A task that waits on a monitor nobody can notify in a child: found deadlocked. */
    private static final Function<Integer, Integer> WAIT_FOR_EVER = x -> {
        Object never = new Object();
        synchronized (never) {
            try {
                never.wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return x;
    };

    @Nested
    @DisplayName("a deadlocked pool task")
    class PoolDeadlockAge {
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("is reported deadlocked so many ms after its task began, not after its child's fork")
        void deadlockTimedFromTheTask() throws Exception {
            ForkPool<Integer, Integer> pool = closed(safe.pool(WAIT_FOR_EVER, POOL.withSize(1)));
            assertThat(pool.awaitReady(READY)).isTrue();
            Thread.sleep(2_000);
            long start = System.nanoTime();
            ChildFailureException failure = org.junit.jupiter.api.Assertions.assertThrows(ChildFailureException.class,
                () -> pool.submit(1));
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            Matcher age = Pattern.compile("deadlocked (\\d+) ms after its task began").matcher(failure.getMessage());
            assertThat(age.find()).as("message: %s", failure.getMessage()).isTrue();
            assertThat(Long.parseLong(age.group(1))).as("the age, beside %d ms from submit to failure", elapsed)
                .isLessThanOrEqualTo(elapsed);
        }
    }

    /** An argument whose readObject leaves a file in its directory each time it runs, wherever it runs. */
    static final class CountedRead implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final String dir;
        final int n;

        CountedRead(String dir, int n) {
            this.dir = dir;
            this.n = n;
        }

        private void readObject(java.io.ObjectInputStream in) throws java.io.IOException, ClassNotFoundException {
            in.defaultReadObject();
            Files.createFile(Path.of(dir, "read-" + n + "-" + System.nanoTime()));
        }
    }

    @Nested
    @DisplayName("a pool's argument")
    class PoolArgumentReads {
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("is read once per submission, in the child that runs it only: not in the parent, not in others")
        void argumentReadOnlyWhereItRuns(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
            // what readObject does in a child is done here first, in the parent
            Files.delete(Files.createFile(dir.resolve("warm-" + System.nanoTime())));
            Function<CountedRead, Integer> task = arg -> arg.n;
            ForkPool<CountedRead, Integer> pool = closed(safe.pool(task, POOL.withSize(2)));
            for (int i = 1; i <= 3; i++) {
                assertThat(pool.awaitReady(READY)).isTrue();
                assertThat(pool.submit(new CountedRead(dir.toString(), i))).isEqualTo(i);
            }
            // children forked after the last submission have had time to rehearse
            assertThat(pool.awaitReady(READY)).isTrue();
            Thread.sleep(500);
            pool.close();
            List<String> reads;
            try (java.util.stream.Stream<Path> files = Files.list(dir)) {
                reads = files.map(p -> p.getFileName().toString().replaceAll("-\\d+$", "")).sorted()
                    .collect(java.util.stream.Collectors.toList());
            }
            assertThat(reads).as("readObject runs").containsExactly("read-1", "read-2", "read-3");
        }
    }
}
