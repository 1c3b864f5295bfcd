package dev.jfork.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OpenFlagsTest {
    @Test
    void flagsAreSpelledAsInC() {
        assertThat(OpenFlags.describe(OpenFlags.O_RDONLY)).isEqualTo("O_RDONLY");
        assertThat(OpenFlags.describe(OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC | OpenFlags.O_CLOEXEC))
            .isEqualTo("O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC");
        assertThat(OpenFlags.describe(OpenFlags.O_WRONLY | OpenFlags.O_APPEND)).isEqualTo("O_WRONLY|O_APPEND");
        assertThat(OpenFlags.describe(OpenFlags.O_RDONLY | 040000)).isEqualTo("O_RDONLY|040000");
    }

    @Test
    void valuesAreLinuxsOnX8664AndAarch64() {
        assertThat(OpenFlags.O_CREAT).isEqualTo(64);
        assertThat(OpenFlags.O_TRUNC).isEqualTo(512);
        assertThat(OpenFlags.O_APPEND).isEqualTo(1024);
        assertThat(OpenFlags.O_CLOEXEC).isEqualTo(524288);
    }
}
