package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the fork site is kept out of the JIT")
class InterpretedForkSiteTest {

    @Test
    @DisplayName("HotSpot accepts the directive that excludes ForkLauncher.start and setParentDeathSignal, once per JVM")
    void hotSpotAcceptsTheDirective() throws Exception {
        assumeTrue(java.lang.management.ManagementFactory.getPlatformMBeanServer()
            .isRegistered(new javax.management.ObjectName("com.sun.management:type=DiagnosticCommand")),
            "this JVM has no DiagnosticCommand MBean");
        // the method named in the directive exists: a rename would silently undo the protection
        assertThat(dev.jfork.internal.launch.ForkLauncher.class.getDeclaredMethods()).extracting(java.lang.reflect.Method::getName).contains("start");
        assertThat(InterpretedForkSite.DIRECTIVE).contains("dev/jfork/internal/launch/ForkLauncher.start")
            .contains(InterpretedForkSite.CHILD_ONLY_SUCCESS);
        assertThat(dev.jfork.spi.ProcessForker.class.getMethod("setParentDeathSignal", int.class)).isNotNull();
        assertThat(InterpretedForkSite.ensure()).isTrue();
        assertThat(InterpretedForkSite.ensure()).isTrue();
    }
}
