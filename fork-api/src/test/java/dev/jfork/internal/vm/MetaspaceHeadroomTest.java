package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class MetaspaceHeadroomTest {
    @Test
    @DisplayName("VM.metaspace's GC threshold line is read in KB, MB and GB; anything else is unknown")
    void parsesTheThreshold() {
        assertThat(MetaspaceHeadroom.parseThreshold("Initial GC threshold: 21.00 MB\nCurrent GC threshold: 21.00 MB\n"))
            .isEqualTo(21L << 20);
        assertThat(MetaspaceHeadroom.parseThreshold("Current GC threshold: 512.00 KB")).isEqualTo(512L << 10);
        assertThat(MetaspaceHeadroom.parseThreshold("Current GC threshold: 1.50 GB\n")).isEqualTo(3L << 29);
        assertThat(MetaspaceHeadroom.parseThreshold("no such line")).isEqualTo(-1);
        assertThat(MetaspaceHeadroom.parseThreshold("Current GC threshold: lots")).isEqualTo(-1);
    }

    @Test
    @DisplayName("the threshold read from HotSpot's memory is the one VM.metaspace prints, without the platform MBean server")
    void thresholdFromMemoryIsVmMetaspaces() {
        long fromCommand = MetaspaceHeadroom.thresholdFromCommand();
        Assumptions.assumeTrue(fromCommand > 0, "VM.metaspace cannot be read here");
        long fromMemory = MetaspaceHeadroom.threshold();
        // VM.metaspace prints two decimals of a unit: equal to within 1% (no collection raised it meanwhile)
        assertThat(fromMemory).isCloseTo(fromCommand, org.assertj.core.data.Percentage.withPercentage(1));
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    @DisplayName("with metaspace just under its GC threshold, the parent makes room before a fork")
    void makesRoomNearTheThreshold() {
        Assumptions.assumeTrue(MetaspaceHeadroom.headroomBytes() >= 0, "VM.metaspace cannot be read here");
        List<Object> kept = new ArrayList<>();
        long headroom = MetaspaceHeadroom.headroomBytes();
        // each proxy class in a loader of its own takes metaspace; a threshold crossed meanwhile is raised
        for (int i = 0; i < 200_000 && headroom >= MetaspaceHeadroom.MIN_HEADROOM_BYTES; i++) {
            ClassLoader loader = new ClassLoader(MetaspaceHeadroomTest.class.getClassLoader()) { };
            kept.add(Proxy.newProxyInstance(loader, new Class<?>[] {Runnable.class}, (proxy, method, args) -> null));
            if (i % 50 == 0) {
                headroom = MetaspaceHeadroom.headroomBytes();
            }
        }
        assertThat(headroom).as("metaspace filled to under %d bytes below its threshold",
            MetaspaceHeadroom.MIN_HEADROOM_BYTES).isLessThan(MetaspaceHeadroom.MIN_HEADROOM_BYTES);
        assertThat(MetaspaceHeadroom.ensure()).as("a collection was run").isTrue();
        assertThat(MetaspaceHeadroom.headroomBytes()).as("room below the threshold after it")
            .isGreaterThanOrEqualTo(MetaspaceHeadroom.MIN_HEADROOM_BYTES);
        assertThat(MetaspaceHeadroom.ensure()).as("no collection when there is room").isFalse();
        assertThat(kept).isNotEmpty();
    }
}
