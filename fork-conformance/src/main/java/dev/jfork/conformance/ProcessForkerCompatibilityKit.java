package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.spi.ProcessForker;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Bad input: a pid that is not a child's, a backend name that is null, blank, unknown or oddly
 * written, and an argument with a NUL character, each refused with a message that names it. Also the
 * conformance kit itself: the last class of its chain, which every backend runs unchanged through one
 * short subclass that implements {@link #createBackend()}, and so the raw SPI ({@link RawSpiKit} and
 * the rooms after it) and the safe layer ({@link Forker}, from {@link SafeLayerPromisesKit} on).
 * Micrometer's {@code MeterRegistryCompatibilityKit} is the model.
 *
 * <p>The kit is in rooms, one subject each, every room extending the one before: {@link RawSpiKit}
 * (the base: the backend under test, the time bounds, the reaping of every test's children),
 * {@link RawPipesKit}, {@link RawWaitKit}, {@link RawExecKit}, {@link SafeLayerPromisesKit},
 * {@link CallErrorsKit}, {@link ForkRawKit}, {@link EverydayJavaKit}, {@link CannotFinishKit},
 * {@link WarmPoolKit}, {@link HugePagesKit}, {@link StdioRedirectKit}, {@link NestedForkKit},
 * {@link CallResultKit}, {@link ReapingKit}, {@link FifoRedirectKit}, {@link ForkThreadKit},
 * {@link ChildRandomnessKit}, {@link ChildRuntimeKit}, {@link PoolLifecycleKit}, {@link ProbeJvmKit},
 * {@link SafeForkKit}, {@link SafeCallKit}, {@link SafeExecKit}, {@link ForkHooksKit},
 * {@link WatchdogKit} and this one. A room that forks tracks what it starts through
 * {@link TrackedChildren} ({@code tracked}), which {@link RawSpiKit} ends after every test.
 */
public abstract class ProcessForkerCompatibilityKit extends WatchdogKit {
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
