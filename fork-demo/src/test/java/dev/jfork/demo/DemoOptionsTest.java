package dev.jfork.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class DemoOptionsTest {

    @Test
    void noArgumentsMeanTheSeedLoopOnTheSelectedBackend() throws Exception {
        assertThat(DemoOptions.parse()).isEqualTo(new DemoOptions(Optional.empty(), false, OptionalInt.empty(), false));
    }

    @Test
    void backendCountAndListAreRead() throws Exception {
        DemoOptions options = DemoOptions.parse("--backend", "jna", "--count", "50");
        assertThat(options.backend()).contains("jna");
        assertThat(options.count()).hasValue(50);
        assertThat(DemoOptions.parse("--backend=jni", "--count=0").count()).hasValue(0);
        assertThat(DemoOptions.parse("--list-backends").listBackends()).isTrue();
        assertThat(DemoOptions.parse("-h").help()).isTrue();
    }

    @Test
    void helpNamesEveryBackend() {
        assertThat(DemoOptions.USAGE).contains("jni, jnr, jna or ffm").contains("jni|jnr|jna|ffm");
    }

    @Test
    void badArgumentsAreRefused() {
        for (String[] args : new String[][] {{"--count"}, {"--count", "x"}, {"--count", "-2"}, {"--backend"},
                                             {"--backend", ""}, {"--what"}, {"q"}, {"--backend", "a", "--backend", "b"},
                                             {"--list-backends=yes"}}) {
            assertThatThrownBy(() -> DemoOptions.parse(args)).as(String.join(" ", args))
                .isInstanceOf(DemoOptions.UsageException.class);
        }
    }
}
