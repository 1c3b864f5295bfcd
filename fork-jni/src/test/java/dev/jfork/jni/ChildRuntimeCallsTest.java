package dev.jfork.jni;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.spi.VmThreadRevival;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The native part of the child runtime checks before it writes: asked only to check (as a parent asks), it
 * fails closed on arguments and addresses that are not HotSpot's mutexes, without crashing this JVM.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
@DisplayName("childruntime.c's checks")
class ChildRuntimeCallsTest {
    private static final long[] LAYOUT = {8, 48, 0x1000, 0x1000, 0x1000, 0x1000, 0, 0x1000, 0, 8, 0, 0, 8, 4, 10, 0, 0};
    private final JniProcessForker forker = new JniProcessForker();

    @Test
    @DisplayName("arguments of the wrong shape are refused")
    void badArguments() {
        assertThat(VmThreadRevival.check(forker.startVmThread(new long[0], LAYOUT, false)))
            .isEqualTo(VmThreadRevival.BAD_ARGUMENTS);
        assertThat(VmThreadRevival.check(forker.startVmThread(new long[] {8}, new long[14], false)))
            .isEqualTo(VmThreadRevival.BAD_ARGUMENTS);
        assertThat(VmThreadRevival.check(forker.startVmThread(new long[] {8}, new long[VmThreadRevival.LAYOUT_WORDS - 1], false)))
            .isEqualTo(VmThreadRevival.BAD_ARGUMENTS);
        // the layout words, then pairs: an odd word after them is refused
        assertThat(VmThreadRevival.check(forker.startVmThread(new long[] {8}, new long[VmThreadRevival.LAYOUT_WORDS + 1], false)))
            .isEqualTo(VmThreadRevival.BAD_ARGUMENTS);
        long[] condInsideMutex = LAYOUT.clone();
        condInsideMutex[1] = 16;
        assertThat(VmThreadRevival.check(forker.startVmThread(new long[] {8}, condInsideMutex, false)))
            .isEqualTo(VmThreadRevival.BAD_ARGUMENTS);
    }

    @Test
    @DisplayName("an unmapped or misaligned mutex is unreadable, its index given, and nothing crashes")
    void unreadable() {
        int r = forker.startVmThread(new long[] {0x10}, LAYOUT, false);
        assertThat(VmThreadRevival.check(r)).isEqualTo(VmThreadRevival.UNREADABLE);
        assertThat(VmThreadRevival.detail(r)).isZero();
        // even when asked to start: the checks come first, and nothing is written
        r = forker.startVmThread(new long[] {0x10, 0x13}, LAYOUT, true);
        assertThat(VmThreadRevival.check(r)).isEqualTo(VmThreadRevival.UNREADABLE);
    }
}
