package dev.jfork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The pool's options: their documented defaults, as toString shows them, and refused values. */
class PoolOptionsTest {
    @Test
    void defaultsAreTheDocumentedOnesAndToStringSaysThem() {
        PoolOptions defaults = PoolOptions.defaults();
        assertThat(defaults.size()).isEqualTo(PoolOptions.DEFAULT_SIZE);
        assertThat(defaults.tasksPerChild()).isEqualTo(1);
        assertThat(defaults.whenEmpty()).isEqualTo(PoolOptions.WhenEmpty.FORK_ON_DEMAND);
        assertThat(defaults.maxQueued()).isEqualTo(PoolOptions.DEFAULT_MAX_QUEUED);
        assertThat(defaults.whenFull()).isEqualTo(PoolOptions.WhenFull.BLOCK);
        assertThat(defaults.toString()).contains("whenEmpty=FORK_ON_DEMAND")
            .contains("maxQueued=" + PoolOptions.DEFAULT_MAX_QUEUED).contains("whenFull=BLOCK");
    }

    @Test
    void queueOptionsAreKeptByEveryCopy() {
        PoolOptions options = PoolOptions.defaults().withMaxQueued(3).withWhenFull(PoolOptions.WhenFull.REJECT)
            .withSize(4).withTasksPerChild(2).withWhenEmpty(PoolOptions.WhenEmpty.WAIT)
            .withDeadline(java.time.Duration.ofSeconds(5));
        assertThat(options.maxQueued()).isEqualTo(3);
        assertThat(options.whenFull()).isEqualTo(PoolOptions.WhenFull.REJECT);
        assertThat(options.size()).isEqualTo(4);
        assertThat(PoolOptions.defaults().withMaxQueued(0).maxQueued()).isZero();
    }

    @Test
    void badQueueOptionsAreRefused() {
        assertThatThrownBy(() -> PoolOptions.defaults().withMaxQueued(-1)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("-1");
        assertThatThrownBy(() -> PoolOptions.defaults().withWhenFull(null)).isInstanceOf(NullPointerException.class);
    }
}
