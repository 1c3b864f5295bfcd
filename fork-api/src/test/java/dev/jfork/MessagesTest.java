package dev.jfork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("messages say what happened and what to do")
class MessagesTest {

    @AfterEach
    void clearProperty() {
        System.clearProperty(ForkOptions.DEADLINE_PROPERTY);
    }

    @Test
    @DisplayName("a fractional -Dfork.deadline.seconds is refused when the Forker is made, saying whole seconds")
    void fractionalDeadlineRefusedAtCreate() {
        System.setProperty(ForkOptions.DEADLINE_PROPERTY, "0.5");
        assertThatThrownBy(() -> Forker.of(new FakeBackend("jni", null)))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("-Dfork.deadline.seconds=0.5")
            .hasMessageContaining("whole, positive number of seconds")
            .hasMessageContaining("withDeadline(Duration.ofMillis");
    }

    @Test
    @DisplayName("a hung child's end names who ended it, without a '?'")
    void hungEndDescribed() {
        ChildEnd watchdog = ChildEnd.of(WaitStatus.of(Signals.SIGKILL), true, false, true);
        assertThat(watchdog.kind()).isEqualTo(ChildEnd.Kind.HUNG);
        assertThat(watchdog.toString()).isEqualTo("hung: the watchdog ended it with SIGKILL at its deadline")
            .doesNotContain("?");
        ChildEnd alarm = ChildEnd.of(WaitStatus.of(Signals.SIGALRM), false, false, true);
        assertThat(alarm.toString()).startsWith("hung: its own alarm ended it with SIGALRM");
    }

    @Test
    @DisplayName("a deadlocked child is its own kind of end, distinct from a hang and a signal")
    void deadlockedEnd() {
        ChildEnd end = ChildEnd.of(WaitStatus.of(Signals.SIGKILL), false, true, true);
        assertThat(end.kind()).isEqualTo(ChildEnd.Kind.DEADLOCKED);
        assertThat(end.hung()).isFalse();
        assertThat(end.toString()).startsWith("deadlocked");
        assertThat(ChildEnd.of(WaitStatus.of(Signals.SIGKILL), false, false, true).kind())
            .isEqualTo(ChildEnd.Kind.SIGNALED);
    }
}
