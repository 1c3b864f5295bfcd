package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The watchdog: a child that loops or hangs is reported hung within its deadline plus a second, and
 * deadlines are checked when they are given.
 * Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class WatchdogKit extends ForkHooksKit {
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
}
