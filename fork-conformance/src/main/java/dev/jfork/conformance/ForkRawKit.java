package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.WaitStatus;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * forkRaw: fork as in C (returning 0 in the child and the pid in the parent), made safe by the safe
 * layer. Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class ForkRawKit extends CallErrorsKit {
    @Nested
    @DisplayName("forkRaw: fork as in C, made safe")
    class RawFork {
        @Test
        @DisplayName("returns 0 in the child and the pid in the parent; the child's getpid is its own")
        void returnsTwice() {
            int[] pipe = forker.pipe();
            int pid = jfork.forkRaw(SHORT);
            if (pid == 0) {
                byte[] own = (forker.getpid() + "\n").getBytes(StandardCharsets.US_ASCII);
                forker.write(pipe[1], own, own.length);
                forker._exit(0);
            }
            forker.close(pipe[1]);
            try {
                assertThat(children.readString(pipe[0]).strip()).isEqualTo(Integer.toString(pid));
            } finally {
                forker.close(pipe[0]);
                WaitStatus status = children.await(pid);
                assertThat(status.exited()).isTrue();
                assertThat(status.exitCode()).isZero();
            }
        }
    }
}
