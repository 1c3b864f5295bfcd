package dev.jfork.conformance.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class KitOptionsTest {
    @Test
    void noArgumentsRunTheDefaultBackendWithoutReports() throws Exception {
        KitOptions options = KitOptions.parse();
        assertThat(options.backend()).isEmpty();
        assertThat(options.reports()).isEmpty();
        assertThat(options.listBackends()).isFalse();
        assertThat(options.help()).isFalse();
    }

    @Test
    void backendAndReportsAsSeparateOrInlineValues() throws Exception {
        assertThat(KitOptions.parse("--backend", "jna", "--reports", "out").backend()).contains("jna");
        assertThat(KitOptions.parse("--backend=jni", "--reports=out").reports()).contains(Path.of("out"));
        assertThat(KitOptions.parse("--list-backends").listBackends()).isTrue();
        assertThat(KitOptions.parse("-h").help()).isTrue();
        assertThat(KitOptions.parse().tests()).isEmpty();
        assertThat(KitOptions.parse("--tests", "WarmPool, deadline").tests()).containsExactly("WarmPool", "deadline");
        assertThat(KitOptions.parse("--tests=plainValuesCrossExactly").tests()).containsExactly("plainValuesCrossExactly");
        assertThat(KitOptions.parse("--list", "--tests", "WarmPool").list()).isTrue();
        assertThat(KitOptions.parse().list()).isFalse();
        assertThat(KitOptions.parse("--show-stderr").showStderr()).isTrue();
        assertThat(KitOptions.parse().showStderr()).isFalse();
    }

    @Test
    void helpNamesEveryBackendInTheDefaultOrder() {
        assertThat(KitOptions.USAGE).contains("jni, jnr, jna or ffm").contains("jni|jnr|jna|ffm")
            .contains("the first available of jni, jnr, jna and ffm");
    }

    @Test
    void helpSaysWhereTheNamesThatTestsTakesAreFound() {
        assertThat(KitOptions.USAGE).contains("--list").contains("--tests name").contains("FAIL line").contains("--show-stderr");
    }

    @Test
    void badCommandLinesSayWhatIsWrong() {
        assertThatThrownBy(() -> KitOptions.parse("--backend")).hasMessage("--backend needs a value");
        assertThatThrownBy(() -> KitOptions.parse("--backend", " ")).hasMessageContaining("needs a name");
        assertThatThrownBy(() -> KitOptions.parse("--backend", "jna", "--backend", "jni")).hasMessage("--backend given twice");
        assertThatThrownBy(() -> KitOptions.parse("--reports")).hasMessage("--reports needs a value");
        assertThatThrownBy(() -> KitOptions.parse("--list-backends=yes")).hasMessage("--list-backends takes no value");
        assertThatThrownBy(() -> KitOptions.parse("--list=all")).hasMessage("--list takes no value");
        assertThatThrownBy(() -> KitOptions.parse("jna")).hasMessage("unknown argument 'jna'");
        assertThatThrownBy(() -> KitOptions.parse("--tests", ",")).hasMessageContaining("at least one name");
        assertThatThrownBy(() -> KitOptions.parse("--tests", "a", "--tests", "b")).hasMessage("--tests given twice");
    }
}
