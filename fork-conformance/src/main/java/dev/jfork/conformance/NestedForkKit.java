package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.ChildTask;
import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A fork from a forked child. The safe layer needs threads of its own for every child it starts,
 * which a child (one thread, no GC) cannot run: there {@code fork}, {@code call}, {@code exec} and a
 * pool are refused at once with the reason, instead of hanging to the child's deadline. Part of the kit
 * that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class NestedForkKit extends StdioRedirectKit {
    private static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));
    /** The exit code of a child whose every nested start was refused with the reason. */
    private static final int ALL_REFUSED = 42;

    @Nested
    @DisplayName("a fork from a forked child")
    class ForkFromAChild {
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("fork, call, exec and a pool are refused at once in a child, saying why")
        void safeLayerRefusedInAChild() throws Exception {
            Forker safe = Forker.of(forker);
            // every lambda and argument is made here, in the parent: one made in the child would be a
            // class defined there, the documented way to deadlock a child
            Callable<Integer> one = () -> 1;
            ChildTask exitOne = () -> 1;
            List<String> program = List.of("true");
            Function<String, Integer> length = String::length;
            PoolOptions poolOptions = PoolOptions.defaults();
            ThrowingRunnable[] nested = {
                () -> safe.call(one),
                () -> safe.fork(exitOne),
                () -> safe.exec(program),
                () -> safe.pool(length, poolOptions),
            };
            long start = System.nanoTime();
            ForkedProcess refused = safe.fork(() -> {
                int refusals = 0;
                for (ThrowingRunnable attempt : nested) {
                    refusals += refusedInChild(attempt);
                }
                return refusals == nested.length ? ALL_REFUSED : refusals;
            }, SHORT);
            try {
                assertThat(refused.waitFor()).as("%s (4 refusals give %d)", refused, ALL_REFUSED).isEqualTo(ALL_REFUSED);
            } finally {
                refused.destroyForcibly();
                refused.waitFor(10, TimeUnit.SECONDS);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                .as("known at once, not at the child's deadline").isLessThan(Duration.ofMillis(RawSpiKit.bound(10_000)));
        }
    }

    /** 1 when {@code start}, run in a child, is refused with the nested-fork reason; 0 otherwise. */
    private static int refusedInChild(ThrowingRunnable start) {
        try {
            start.run();
            return 0;
        } catch (IllegalStateException e) {
            return e.getMessage() != null && e.getMessage().contains("was called in a forked child") ? 1 : 0;
        } catch (Exception other) {
            return 0;
        }
    }

    /** A start that may throw. */
    @FunctionalInterface
    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
