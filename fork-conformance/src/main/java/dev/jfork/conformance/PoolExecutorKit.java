package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildFailureException;
import dev.jfork.ForkPool;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A pool as an executor: {@code shutdown}, {@code shutdownNow}, {@code awaitTermination} and
 * {@code close} leave no child (live or zombie) and no thread of the pool, and its queue of submissions
 * is bounded with the policy its options name. Part of the kit that every backend runs through
 * {@link ProcessForkerCompatibilityKit}.
 */
public abstract class PoolExecutorKit extends PoolLifecycleKit {
    private static final Duration READY = Duration.ofSeconds(30);
    private static final PoolOptions POOL = PoolOptions.defaults().withDeadline(Duration.ofSeconds(30));
    /** Sleeps its argument's milliseconds in the child, and returns it. */
    private static final Function<Integer, Integer> SLEEP_MS = ms -> {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            return -1;
        }
        return ms;
    };

    private final Set<ForkPool<?, ?>> executorPools = ConcurrentHashMap.newKeySet();
    private Forker executorForker;
    private Set<Long> childrenBefore;
    private Set<String> threadsBefore;

    @BeforeEach
    void createExecutorForker() {
        executorForker = Forker.of(forker);
        childrenBefore = liveChildPids();
        threadsBefore = poolThreads();
    }

    @AfterEach
    void endExecutorPools() throws InterruptedException {
        for (ForkPool<?, ?> pool : executorPools) {
            pool.shutdownNow();
            assertThat(pool.awaitTermination(bound(20_000), TimeUnit.MILLISECONDS)).as("%s terminated", pool).isTrue();
        }
    }

    private <A, R> ForkPool<A, R> pool(Function<A, R> function, PoolOptions options) {
        ForkPool<A, R> pool = executorForker.pool(function, options);
        executorPools.add(pool);
        return pool;
    }

    private static Set<Long> liveChildPids() {
        return ProcessHandle.current().children().map(ProcessHandle::pid).collect(Collectors.toSet());
    }

    /** The names of the live threads of jfork's pools (their fillers and submitters). */
    private static Set<String> poolThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).map(Thread::getName)
            .filter(name -> name.startsWith(Forker.THREAD_NAME_PREFIX + "pool-")).collect(Collectors.toSet());
    }

    /** No child made since the test began is alive or a zombie, and no pool thread started since is alive. */
    private void assertNothingLeft(String after) {
        Set<Long> children = liveChildPids();
        children.removeAll(childrenBefore);
        assertThat(children).as("children alive after %s", after).isEmpty();
        List<Long> zombies = new ArrayList<>(ProcFs.zombieChildrenOf(ProcessHandle.current().pid()));
        zombies.removeAll(childrenBefore);
        assertThat(zombies).as("zombie children after %s", after).isEmpty();
        Set<String> threads = poolThreads();
        threads.removeAll(threadsBefore);
        assertThat(threads).as("pool threads alive after %s", after).isEmpty();
    }

    @Nested
    @DisplayName("a pool shut down as an executor")
    class PoolShutdown {
        @Test
        @Timeout(value = 90, unit = TimeUnit.SECONDS)
        @DisplayName("shutdown() refuses new submissions, lets the running and queued ones finish, then leaves no child and no thread")
        void shutdownFinishesWhatItTook() throws Exception {
            ForkPool<Integer, Integer> pool = pool(SLEEP_MS, POOL.withSize(1));
            assertThat(pool.awaitReady(READY)).isTrue();
            List<CompletableFuture<Integer>> taken = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                taken.add(pool.submitAsync(300 + i));
            }
            Thread.sleep(100);
            pool.shutdown();
            assertThat(pool.isShutdown()).isTrue();
            assertThatThrownBy(() -> pool.submit(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("shut down");
            assertThatThrownBy(() -> pool.submitAsync(1)).isInstanceOf(IllegalStateException.class);
            assertThat(pool.awaitTermination(bound(30_000), TimeUnit.MILLISECONDS)).as("%s", pool).isTrue();
            assertThat(pool.isTerminated()).isTrue();
            for (int i = 0; i < 3; i++) {
                assertThat(taken.get(i).getNow(null)).as("queued submission %d ran", i).isEqualTo(300 + i);
            }
            assertNothingLeft("shutdown() and awaitTermination");
        }

        @Test
        @Timeout(value = 90, unit = TimeUnit.SECONDS)
        @DisplayName("shutdownNow() kills the running task's child, returns the queued arguments unrun, then leaves no child and no thread")
        void shutdownNowKillsAndDrops() throws Exception {
            ForkPool<Integer, Integer> pool = pool(SLEEP_MS, POOL.withSize(1));
            assertThat(pool.awaitReady(READY)).isTrue();
            CompletableFuture<Integer> running = pool.submitAsync(20_000);
            List<CompletableFuture<Integer>> queued = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                queued.add(pool.submitAsync(i));
            }
            Thread.sleep(300);
            long start = System.nanoTime();
            List<Integer> neverStarted = pool.shutdownNow();
            assertThat(neverStarted).containsExactly(1, 2, 3);
            assertThat(pool.awaitTermination(bound(20_000), TimeUnit.MILLISECONDS)).as("%s", pool).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - start)).as("terminated well before the 20 s task's end")
                .isLessThan(Duration.ofMillis(bound(10_000)));
            assertThatThrownBy(() -> running.get(1, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ChildFailureException.class);
            for (CompletableFuture<Integer> f : queued) {
                assertThatThrownBy(() -> f.get(1, TimeUnit.SECONDS)).isInstanceOf(CancellationException.class);
            }
            assertThatThrownBy(() -> pool.submit(1)).isInstanceOf(IllegalStateException.class);
            assertNothingLeft("shutdownNow() and awaitTermination");
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("close() with no task running returns terminated: no child and no thread of the pool left")
        void closeLeavesNothing() throws Exception {
            ForkPool<Integer, Integer> pool = pool(SLEEP_MS, POOL.withSize(2));
            assertThat(pool.awaitReady(READY)).isTrue();
            assertThat(pool.submitAsync(1).get(30, TimeUnit.SECONDS)).isEqualTo(1);
            assertThat(pool.submit(2)).isEqualTo(2);
            assertThat(pool.awaitReady(READY)).isTrue();
            pool.close();
            assertThat(pool.isTerminated()).as("%s", pool).isTrue();
            assertNothingLeft("close()");
        }
    }

    @Nested
    @DisplayName("a full pool")
    class PoolQueueBound {
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("with WhenFull.REJECT refuses a submission past size running and maxQueued waiting")
        void rejectsWhenFull() throws Exception {
            ForkPool<Integer, Integer> pool = pool(SLEEP_MS,
                POOL.withSize(1).withMaxQueued(1).withWhenFull(PoolOptions.WhenFull.REJECT));
            assertThat(pool.awaitReady(READY)).isTrue();
            CompletableFuture<Integer> running = pool.submitAsync(1_000);
            CompletableFuture<Integer> waiting = pool.submitAsync(2);
            assertThatThrownBy(() -> pool.submitAsync(3)).isInstanceOf(RejectedExecutionException.class)
                .hasMessageContaining("full").hasMessageContaining("withMaxQueued");
            assertThatThrownBy(() -> pool.submit(4)).isInstanceOf(RejectedExecutionException.class);
            assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo(1_000);
            assertThat(waiting.get(30, TimeUnit.SECONDS)).isEqualTo(2);
            assertThat(pool.submit(5)).as("room again").isEqualTo(5);
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("with WhenFull.BLOCK (the default) holds the submitter until a place is free")
        void blocksWhenFull() throws Exception {
            assertThat(PoolOptions.defaults().whenFull()).isEqualTo(PoolOptions.WhenFull.BLOCK);
            ForkPool<Integer, Integer> pool = pool(SLEEP_MS, POOL.withSize(1).withMaxQueued(0));
            assertThat(pool.awaitReady(READY)).isTrue();
            CompletableFuture<Integer> running = pool.submitAsync(800);
            CompletableFuture<Integer> next = pool.submitAsync(2);
            assertThat(running).as("submitAsync returned only once the running task had finished").isDone();
            assertThat(running.get()).isEqualTo(800);
            assertThat(next.get(30, TimeUnit.SECONDS)).isEqualTo(2);
        }
    }

    @Nested
    @DisplayName("a reused pool child")
    class PoolReuseRoom {
        @Test
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        @DisplayName("with tasksPerChild(50) is retired before its eden runs out: every task of 2 MB succeeds, children still reused")
        void retiredBeforeEdenRunsOut() throws Exception {
            long edenMb = 0;
            for (java.lang.management.MemoryPoolMXBean pool : java.lang.management.ManagementFactory.getMemoryPoolMXBeans()) {
                if (pool.getName().contains("Eden")) {
                    edenMb = Math.max(edenMb, pool.getUsage().getCommitted() >> 20);
                }
            }
            // three times the eden a child can have: no child can run them all
            int tasks = (int) Math.min(2_000, Math.max(100, 3 * edenMb / 2));
            dev.jfork.spi.ProcessForker backend = forker;
            Function<Integer, Long> allocate = mb -> {
                long sum = 0;
                for (int i = 0; i < mb * 8; i++) {
                    byte[] chunk = new byte[128 * 1024];
                    chunk[i % chunk.length] = 1;
                    sum += chunk.length + chunk[0];
                }
                return sum > 0 ? (long) backend.getpid() : -1L;
            };
            ForkPool<Integer, Long> pool = pool(allocate, POOL.withTasksPerChild(50));
            assertThat(pool.awaitReady(READY)).isTrue();
            java.util.Map<Long, Integer> tasksByChild = new java.util.HashMap<>();
            for (int i = 0; i < tasks; i++) {
                tasksByChild.merge(pool.submit(2), 1, Integer::sum);
            }
            assertThat(tasksByChild.values()).as("tasks per child (eden %d MB, %d tasks)", edenMb, tasks)
                .allSatisfy(n -> assertThat(n).isBetween(1, 50)).anySatisfy(n -> assertThat(n).isGreaterThan(1));
            assertThat(tasksByChild).as("children used").hasSizeGreaterThan(1);
        }
    }
}
