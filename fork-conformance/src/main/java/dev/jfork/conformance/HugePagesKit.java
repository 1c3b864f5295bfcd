package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.HugePageReport;
import dev.jfork.spi.MemoryAdvice;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Huge pages at run time ({@link Forker#hugePagesForHeap()}): this JVM's heap is put on huge pages
 * without a restart, and forks, calls and the pool work after it as before. Where the system cannot
 * (THP {@code never}), the refusal names the reason. Part of the kit that every backend runs through
 * {@link ProcessForkerCompatibilityKit}.
 */
public abstract class HugePagesKit extends WarmPoolKit {
    private static final Path THP_MODE = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    @Nested
    @DisplayName("huge pages at run time")
    class HugePagesAtRunTime {
        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("the live heap goes on huge pages, and a call and a fork after it work as before")
        void forkAfterCollapse() throws Exception {
            Forker safe = Forker.of(forker);
            String mode = thpMode();
            if (mode.contains("[never]") || mode.isEmpty()) {
                assertThatThrownBy(safe::hugePagesForHeap).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("transparent huge pages");
            } else {
                assertThat(forker).isInstanceOf(MemoryAdvice.class);
                HugePageReport report = safe.hugePagesForHeap();
                assertThat(report.heapMb()).isPositive();
                if (report.collapsed()) {
                    assertThat(report.hugeMbAfter()).as(report.toString()).isGreaterThan(report.hugeMbBefore());
                } else {
                    assertThat(report.note()).contains("MADV_COLLAPSE");
                }
            }
            assertThat(safe.call(() -> 6 * 7)).isEqualTo(42);
            ForkedProcess child = safe.fork(() -> 7);
            try {
                ChildEnd end = child.awaitEnd();
                assertThat(end.exitValue()).isEqualTo(7);
            } finally {
                child.destroyForcibly();
                child.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private static String thpMode() {
        try {
            return Files.readString(THP_MODE).strip();
        } catch (IOException e) {
            return "";
        }
    }
}
