package dev.jfork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ForkOptions.Stdio;
import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ForkOptionsTest {
    private static final File FILE = new File("/tmp/jfork-options-test.txt");

    @Test
    void defaultsInheritEveryStream() {
        ForkOptions o = ForkOptions.defaults();
        assertThat(o.stdin()).isEqualTo(Redirect.INHERIT);
        assertThat(o.stdout()).isEqualTo(Redirect.INHERIT);
        assertThat(o.stderr()).isEqualTo(Redirect.INHERIT);
        assertThat(o.stderrToStdout()).isFalse();
    }

    @Test
    void stdioValuesAreTheirRedirects() {
        ForkOptions o = ForkOptions.defaults().withStdin(Stdio.PIPE).withStdout(Stdio.DISCARD).withStderr(Stdio.PIPE);
        assertThat(o.stdin()).isEqualTo(Redirect.PIPE);
        assertThat(o.stdout()).isEqualTo(Redirect.DISCARD);
        assertThat(o.stderr()).isEqualTo(Redirect.PIPE);
        // a discarded stdin reads /dev/null, the way a discarded output writes it
        assertThat(ForkOptions.defaults().withStdin(Stdio.DISCARD).stdin())
            .isEqualTo(Redirect.from(new File("/dev/null")));
    }

    @Test
    void fileRedirectsAreKeptAsGiven() {
        ForkOptions o = ForkOptions.defaults().withStdin(Redirect.from(FILE)).withStdout(Redirect.appendTo(FILE))
            .withStderr(Redirect.to(FILE));
        assertThat(o.stdin().type()).isEqualTo(Redirect.Type.READ);
        assertThat(o.stdout().type()).isEqualTo(Redirect.Type.APPEND);
        assertThat(o.stderr().type()).isEqualTo(Redirect.Type.WRITE);
        assertThat(o.stderr().file()).isEqualTo(FILE);
    }

    @Test
    void redirectsTheWrongWayRoundAreRefusedWithTheWayOut() {
        assertThatThrownBy(() -> ForkOptions.defaults().withStdin(Redirect.to(FILE)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdin cannot be")
            .hasMessageContaining("Redirect.from(file)");
        assertThatThrownBy(() -> ForkOptions.defaults().withStdin(Redirect.DISCARD))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ForkOptions.defaults().withStdout(Redirect.from(FILE)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdout cannot be")
            .hasMessageContaining("Redirect.to(file)");
        assertThatThrownBy(() -> ForkOptions.defaults().withStderr(Redirect.from(FILE)))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stderr cannot be");
        assertThatThrownBy(() -> ForkOptions.defaults().withStdout((Redirect) null))
            .isInstanceOf(NullPointerException.class).hasMessage("stdout");
    }

    @Test
    void stderrToStdoutSurvivesOtherChangesAndShowsInToString() {
        ForkOptions o = ForkOptions.defaults().withStderrToStdout().withStdout(Stdio.PIPE)
            .withDeadline(Duration.ofSeconds(3));
        assertThat(o.stderrToStdout()).isTrue();
        assertThat(o.toString()).isEqualTo("ForkOptions[deadline=PT3S, stdin=INHERIT, stdout=PIPE, stderr=to stdout]");
    }

    @Test
    void directoryAndEnvironmentAreForExecAndCopied() {
        Map<String, String> variables = new HashMap<>(Map.of("A", "1"));
        ForkOptions o = ForkOptions.defaults().withDirectory(Path.of("/tmp")).withEnvironment(variables);
        variables.put("B", "2");
        assertThat(o.directory()).contains(Path.of("/tmp"));
        assertThat(o.environment()).contains(Map.of("A", "1"));
        assertThatThrownBy(() -> o.environment().orElseThrow().put("C", "3"))
            .isInstanceOf(UnsupportedOperationException.class);
        assertThat(o.withDirectory(null).directory()).isEmpty();
        assertThat(o.withEnvironment(null).environment()).isEmpty();
        assertThat(o.toString()).endsWith(", directory=/tmp, environment=1 variables]");
        assertThatThrownBy(() -> o.requireNoExecSettings("fork")).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("fork runs Java in the child, which keeps the JVM's working directory (user.dir) and"
                + " System.getenv(): withDirectory and withEnvironment apply to exec only");
        ForkOptions.defaults().requireNoExecSettings("fork");
    }

    @Test
    void badEnvironmentVariablesAreRefusedByName() {
        assertThatThrownBy(() -> ForkOptions.defaults().withEnvironment(Map.of("A=B", "1")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'A=B'");
        assertThatThrownBy(() -> ForkOptions.defaults().withEnvironment(Map.of("", "1")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("non-empty");
        assertThatThrownBy(() -> ForkOptions.defaults().withEnvironment(Map.of("A", "x\0y")))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("environment variable A");
        Map<String, String> nullValue = new HashMap<>();
        nullValue.put("A", null);
        assertThatThrownBy(() -> ForkOptions.defaults().withEnvironment(nullValue))
            .isInstanceOf(NullPointerException.class).hasMessageContaining("environment variable A");
    }

    @Test
    void theChildrenThatKeepTheParentsStdioDropEveryRedirect() {
        ForkOptions o = ForkOptions.defaults().withStdin(Stdio.PIPE).withStdout(Redirect.to(FILE))
            .withStderrToStdout().withDeadline(Duration.ofSeconds(5));
        ForkOptions inherited = o.withInheritedStdio();
        assertThat(inherited.stdin()).isEqualTo(Redirect.INHERIT);
        assertThat(inherited.stdout()).isEqualTo(Redirect.INHERIT);
        assertThat(inherited.stderrToStdout()).isFalse();
        assertThat(inherited.deadline()).contains(Duration.ofSeconds(5));
        ForkOptions onlyStdout = o.withOnlyStdout();
        assertThat(onlyStdout.stdout()).isEqualTo(Redirect.to(FILE));
        assertThat(onlyStdout.stdin()).isEqualTo(Redirect.INHERIT);
        assertThat(onlyStdout.stderrToStdout()).isFalse();
    }

    @Test
    @org.junit.jupiter.api.DisplayName("exec has no deadline unless one is asked for; forks keep the default deadline")
    void execHasNoDefaultDeadline() {
        assertThat(ForkOptions.defaults().deadline()).contains(ForkOptions.DEFAULT_DEADLINE);
        assertThat(ForkOptions.defaults().forExec().deadline()).isEmpty();
        assertThat(ForkOptions.defaults().withStdout(Stdio.PIPE).withStderrToStdout().forExec().deadline())
            .as("a copy of the defaults still has the default deadline only").isEmpty();
        assertThat(ForkOptions.defaults().withStdout(Stdio.PIPE).forExec().stdout()).isEqualTo(Redirect.PIPE);
        assertThat(ForkOptions.defaults().withDeadline(Duration.ofSeconds(5)).withStdin(Stdio.DISCARD).forExec()
            .deadline()).as("a deadline asked for").contains(Duration.ofSeconds(5));
        assertThat(ForkOptions.defaults().withoutDeadline().forExec().deadline()).isEmpty();
        assertThat(ForkOptions.defaults().withStdout(Stdio.PIPE).deadline()).as("forks keep it")
            .contains(ForkOptions.DEFAULT_DEADLINE);
    }
}
