package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ForkPool;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The warm pool ({@link ForkPool}): children forked ahead of time answer tasks, deadlines, deadlocks
 * and errors behave as for {@code call}, and {@code close()} leaves no child, no zombie and no pipe
 * (the last two checked after every test by {@link RawSpiKit}). Part of the kit that every backend
 * runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class WarmPoolKit extends CannotFinishKit {
    private static final PoolOptions POOL = PoolOptions.defaults().withDeadline(Duration.ofSeconds(30));
    private static final Duration READY = Duration.ofSeconds(30);

    private Forker pools;

    @BeforeEach
    void createPoolForker() {
        pools = Forker.of(forker);
    }

    @Nested
    @DisplayName("the warm pool")
    class WarmPool {
        @Test
        @DisplayName("tasks are answered by waiting children, one child each, none of them the parent")
        void resultsFromWaitingChildren() throws Exception {
            ProcessForker backend = forker;
            Set<Long> pids = new HashSet<>();
            try (ForkPool<Integer, long[]> pool = pools.pool((Integer x) -> new long[] {x * 2L, backend.getpid()},
                POOL)) {
                for (int i = 0; i < 6; i++) {
                    assertThat(pool.awaitReady(READY)).isTrue();
                    long[] answer = pool.submit(i);
                    assertThat(answer[0]).isEqualTo(i * 2L);
                    pids.add(answer[1]);
                }
                assertThat(pids).hasSize(6).doesNotContain(ProcessHandle.current().pid());
                assertThat(pool.servedWarm() + pool.forkedOnDemand()).isEqualTo(6);
                // the first tasks bring new classes (Integer, long[]): children forked before are retired
                assertThat(pool.servedWarm()).isGreaterThanOrEqualTo(3);
            }
        }

        @Test
        @DisplayName("a task that throws fails with its exception as the cause, and the pool goes on")
        void exceptions() {
            try (ForkPool<Integer, Integer> pool = pools.pool((Integer x) -> {
                if (x < 0) {
                    throw new IllegalStateException("negative: " + x);
                }
                return x + 1;
            }, POOL)) {
                assertThatThrownBy(() -> pool.submit(-5))
                    .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                        assertThat(e.getMessage()).contains("IllegalStateException").contains("negative: -5");
                        assertThat(e.getCause()).hasMessageContaining("negative: -5");
                    });
                assertThat(pool.submit(41)).isEqualTo(42);
            }
        }

        @Test
        @DisplayName("a task past its deadline is killed and reported hung; the next task runs")
        void deadline() {
            PoolOptions quick = POOL.withDeadline(Duration.ofMillis(500));
            try (ForkPool<Integer, Integer> pool = pools.pool((Integer x) -> {
                if (x < 0) {
                    // a timed sleep: not deadlocked, so only the deadline ends it
                    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
                    while (System.nanoTime() < until) {
                        try {
                            Thread.sleep(50);
                        } catch (InterruptedException e) {
                            return -1;
                        }
                    }
                }
                return x;
            }, quick)) {
                long start = System.nanoTime();
                assertThatThrownBy(() -> pool.submit(-1))
                    .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                        assertThat(e.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.HUNG);
                        assertThat(e.getMessage()).contains("500 ms");
                    });
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isBetween(400L, 10_000L);
                assertThat(pool.submit(7)).isEqualTo(7);
            }
        }

        @Test
        @DisplayName("a deadlocked task is known within a second, with why; the next task runs")
        void deadlocked() {
            try (ForkPool<Integer, Integer> pool = pools.pool((Integer x) -> {
                if (x < 0) {
                    Object lock = new Object();
                    synchronized (lock) {
                        try {
                            lock.wait();
                        } catch (InterruptedException e) {
                            return -1;
                        }
                    }
                }
                return x;
            }, POOL)) {
                assertThat(pool.submit(1)).isEqualTo(1);
                long start = System.nanoTime();
                assertThatThrownBy(() -> pool.submit(-1))
                    .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                        assertThat(e.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.DEADLOCKED);
                        assertThat(e.getMessage()).contains("deadlocked");
                        // the cause from the child's stack; the list of likely causes where that is not seen
                        assertThat(e.getMessage()).contains(ProcFs.emulated() ? "" : "in Object.wait()")
                            .containsAnyOf("in Object.wait()", "Forker.preload");
                    });
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                    .as("known within %d ms, not at the 30 s deadline", bound(1000)).isLessThan(bound(1000));
                assertThat(pool.submit(2)).isEqualTo(2);
            }
        }

        @Test
        @DisplayName("close() ends every waiting child and reaps it; a submission after it throws")
        void closeLeavesNoChild() throws Exception {
            ForkPool<Integer, Integer> pool = pools.pool((Integer x) -> x, POOL.withSize(3));
            assertThat(pool.awaitReady(READY)).isTrue();
            assertThat(pool.submit(5)).isEqualTo(5);
            assertThat(pool.awaitReady(READY)).isTrue();
            List<Long> before = liveChildren();
            assertThat(before).hasSizeGreaterThanOrEqualTo(3);
            pool.close();
            pool.close();
            assertThat(liveChildren()).as("children alive after close()").isEmpty();
            assertThat(pool.waiting()).isZero();
            assertThatThrownBy(() -> pool.submit(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed");
        }

        @Test
        @DisplayName("close() while a task runs: the task finishes and its result comes back")
        void closeDuringTask() throws Exception {
            ForkPool<Integer, Integer> pool = pools.pool((Integer x) -> {
                try {
                    Thread.sleep(x);
                } catch (InterruptedException e) {
                    return -1;
                }
                return x;
            }, POOL);
            assertThat(pool.submit(1)).isEqualTo(1);
            java.util.concurrent.CompletableFuture<Integer> running = pool.submitAsync(700);
            Thread.sleep(200);
            pool.close();
            assertThat(running.get(30, TimeUnit.SECONDS)).isEqualTo(700);
        }

        @Test
        @DisplayName("with tasksPerChild(3) one child answers up to three tasks")
        void severalTasksPerChild() throws Exception {
            ProcessForker backend = forker;
            try (ForkPool<Integer, Long> pool = pools.pool((Integer x) -> (long) backend.getpid(),
                POOL.withSize(1).withTasksPerChild(3).withWhenEmpty(PoolOptions.WhenEmpty.WAIT))) {
                // the first two bring Integer and Long: after them, the classes are prepared
                pool.submit(0);
                pool.submit(0);
                java.util.Map<Long, Long> tasksByChild = new java.util.TreeMap<>();
                for (int i = 0; i < 6; i++) {
                    tasksByChild.merge(pool.submit(i), 1L, Long::sum);
                }
                // a child with tasks left is served before a fresh one (a run on 2 cores saw 4 children when the
                // fresh one came first): one child runs three in a row, at most three children in all
                assertThat(tasksByChild.values()).allSatisfy(n -> assertThat(n).isBetween(1L, 3L)).contains(3L);
                assertThat(tasksByChild).hasSizeBetween(2, 3);
                assertThat(pool.forkedOnDemand()).isZero();
            }
        }

        @Test
        @DisplayName("an argument that cannot be serialised is refused before any child sees it")
        void argumentNotSerialisable() {
            try (ForkPool<Object, String> pool = pools.pool(String::valueOf, POOL)) {
                assertThatThrownBy(() -> pool.submit(new Object()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object")
                    .hasMessageContaining("Serializable");
                assertThat(pool.submit("ok")).isEqualTo("ok");
            }
        }

        @Test
        @DisplayName("submitAsync completes with the result")
        void async() throws Exception {
            try (ForkPool<String, String> pool = pools.pool((String s) -> s.toUpperCase(java.util.Locale.ROOT), POOL)) {
                assertThat(pool.submitAsync("abc").get(30, TimeUnit.SECONDS)).isEqualTo("ABC");
            }
        }

        @Test
        @DisplayName("null, boxed primitives, strings and byte arrays cross exactly, through a pool and a call")
        void plainValuesCrossExactly() throws Exception {
            // three pipe buffers and more, and below 256 KB: every array the child makes for it (the value, its
            // encoding's buffer) stays under half of G1's smallest region, so none is humongous, whose
            // allocation can ask for a concurrent cycle a child cannot run (found in CI: a 1 MB array did)
            byte[] large = new byte[200 * 1024];
            new java.util.Random(11).nextBytes(large);
            List<Object> values = java.util.Arrays.asList(null, true, (byte) -128, (short) -2, 'λ', Integer.MIN_VALUE,
                Long.MAX_VALUE, -0.0f, Double.NaN, "", "héllo ÿ", "日本語, unpaired \uD800", "x".repeat(70_000),
                new byte[0], large);
            try (ForkPool<Object, Object> pool = pools.pool((Object x) -> x, POOL)) {
                for (Object value : values) {
                    assertSameValue(pool.submit(value), value);
                }
            }
            for (Object value : java.util.Arrays.asList(Long.MIN_VALUE, "日本語 \uDC00", large, null)) {
                assertSameValue(pools.call(() -> value), value);
            }
        }

        private void assertSameValue(Object back, Object value) {
            if (value instanceof byte[]) {
                assertThat(back).isInstanceOf(byte[].class);
                assertThat(java.util.Arrays.equals((byte[]) back, (byte[]) value)).as("the same bytes").isTrue();
            } else {
                assertThat(back).isEqualTo(value);
                assertThat(back == null ? null : back.getClass()).isEqualTo(value == null ? null : value.getClass());
            }
        }

        private List<Long> liveChildren() {
            return ProcessHandle.current().children().filter(ProcessHandle::isAlive).map(ProcessHandle::pid)
                .collect(Collectors.toList());
        }
    }
}
