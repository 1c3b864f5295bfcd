package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ForkedProcess;
import dev.jfork.Signals;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The safe layer's call(task) and callAsync: the task's value (null, large) or exception comes back,
 * and a result that cannot be serialised or a child killed mid-call fails with a message that says so.
 * Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class SafeCallKit extends SafeForkKit {
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
            // three pipe buffers and more, and no array of the child's (the string, its encoding) reaches half of
            // G1's smallest region: a humongous one can ask for a concurrent cycle that a child cannot run
            String big = safe.call(() -> "x".repeat(200_000), SHORT);
            assertThat(big).hasSize(200_000);
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
}
