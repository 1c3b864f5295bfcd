package dev.jfork.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** The one platform check that every backend uses. */
class PlatformTest {

    @Test
    void mapsSupportedPlatforms() {
        assertThat(Platform.classifier("Linux", "amd64")).isEqualTo("linux-x86_64");
        assertThat(Platform.classifier("Linux", "x86_64")).isEqualTo("linux-x86_64");
        assertThat(Platform.classifier("Linux", "aarch64")).isEqualTo("linux-aarch64");
    }

    @Test
    void rejectsOtherPlatformsNamingThem() {
        assertThatThrownBy(() -> Platform.classifier("Mac OS X", "aarch64"))
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageContaining("Mac OS X aarch64")
            .hasMessageContaining("Linux x86_64 and aarch64");
        assertThatThrownBy(() -> Platform.classifier("Linux", "riscv64"))
            .hasMessageContaining("Linux riscv64");
        assertThatThrownBy(() -> Platform.classifier(null, null))
            .isInstanceOf(UnsupportedOperationException.class)
            .hasMessageContaining("null null");
    }

    @Test
    void requireSupportedNamesTheBackendOnAnotherPlatform() {
        String os = System.getProperty("os.name");
        try {
            System.setProperty("os.name", "Plan 9");
            assertThatThrownBy(() -> Platform.requireSupported("jna"))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("the jna backend")
                .hasMessageContaining("Plan 9");
        } finally {
            System.setProperty("os.name", os);
        }
    }

    @Test
    void thisMachineIsSupported() {
        assertThat(Platform.requireSupported("any")).isIn("linux-x86_64", "linux-aarch64");
    }
}
