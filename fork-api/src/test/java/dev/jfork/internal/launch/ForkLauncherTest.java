package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class ForkLauncherTest {
    @Test
    @DisplayName("each fork made again after a child hung before its start waits twice as long for an idle instant, up to 3.2 s")
    void theWaitForAnIdleInstantDoublesOnEachForkMadeAgain() {
        assertThat(StartAttempts.quietWait(1)).isEqualTo(Duration.ofMillis(200));
        assertThat(StartAttempts.quietWait(2)).isEqualTo(Duration.ofMillis(400));
        assertThat(StartAttempts.quietWait(3)).isEqualTo(Duration.ofMillis(800));
        assertThat(StartAttempts.quietWait(5)).isEqualTo(Duration.ofMillis(3200));
        assertThat(StartAttempts.quietWait(8)).isEqualTo(Duration.ofMillis(3200));
        assertThat(StartAttempts.quietWait(Integer.MAX_VALUE)).isEqualTo(Duration.ofMillis(3200));
        assertThat(StartAttempts.quietWait(0)).as("never below the first").isEqualTo(Duration.ofMillis(200));
    }
}
