package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.ErrnoException;
import dev.jfork.WaitStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw SPI's exec: a raw child replaces itself with a program, or reports why it cannot. Part of
 * the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 *
 * <p>Its section is {@code RawExec}, not {@code Exec}: JUnit names a nested class by its simple name
 * under the class it runs in, so two sections of the chain with one name are one section, and the
 * second is dropped without a word (this one was, behind the safe layer's {@code Exec}, now
 * {@link SafeExecKit}'s, until December 2026). Each section of the kit has a name of its own, which
 * the runner's {@code KitSectionsTest} checks.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RawExecKit extends RawWaitKit {
    @Nested
    @DisplayName("exec")
    class RawExec {
        private WaitStatus execAndWait(boolean searchPath, String program, String... args) {
            int[] errPipe = pipe();
            int pid = children.fork(() -> {
                try {
                    if (searchPath) {
                        forker.execvp(program, args);
                    } else {
                        forker.execv(program, args);
                    }
                } catch (ErrnoException e) {
                    children.writeString(errPipe[1], e.errnoName());
                }
                return 127;
            });
            forker.close(errPipe[1]);
            lastExecError = children.readString(errPipe[0]);
            forker.close(errPipe[0]);
            return children.await(pid);
        }

        private String lastExecError;

        @Test
        @DisplayName("execv of /bin/sh -c 'exit 7' exits 7 and the close-on-exec pipe reports nothing")
        void execvRunsProgram() {
            WaitStatus status = execAndWait(false, "/bin/sh", "sh", "-c", "exit 7");
            assertThat(lastExecError).isEmpty();
            assertThat(status.exitCode()).isEqualTo(7);
        }

        @Test
        @DisplayName("execvp finds sh through PATH")
        void execvpSearchesPath() {
            WaitStatus status = execAndWait(true, "sh", "sh", "-c", "exit 7");
            assertThat(lastExecError).isEmpty();
            assertThat(status.exitCode()).isEqualTo(7);
        }

        @Test
        @DisplayName("exec of a missing program fails with ENOENT and the parent learns it")
        void missingProgram() {
            WaitStatus status = execAndWait(true, "/nonexistent/jfork-no-such-program", "x");
            assertThat(lastExecError).isEqualTo("ENOENT");
            assertThat(status.exitCode()).isEqualTo(127);
        }

        @Test
        @DisplayName("exec of a file that is not executable fails with EACCES")
        void notExecutable(@TempDir Path dir) throws Exception {
            Path plain = Files.writeString(dir.resolve("plain.sh"), "exit 0\n");
            WaitStatus status = execAndWait(false, plain.toString(), "plain.sh");
            assertThat(lastExecError).isEqualTo("EACCES");
            assertThat(status.exitCode()).isEqualTo(127);
        }
    }
}
