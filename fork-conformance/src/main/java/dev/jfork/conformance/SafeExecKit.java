package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ErrnoException;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Signals;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a safe-layer child runs outside Java: exec of a program (its exit status, output, descriptors,
 * signal mask, and its errors ENOENT and EACCES) and the native child paths such as forkPrintingPid.
 * Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class SafeExecKit extends SafeCallKit {
    @Nested
    @DisplayName("exec")
    class Exec {
        @Test
        @DisplayName("exec of sh -c 'exit 7' exits 7")
        void execExitCode() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("sh", "-c", "exit 7"), SHORT));
            assertThat(p.waitFor()).isEqualTo(7);
        }

        @Test
        @DisplayName("exec with a piped stdout hands over the program's output")
        void execPipedStdout() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("echo", "hello", "world"), SHORT.withStdout(Stdio.PIPE)));
            assertThat(readAll(p.getInputStream())).isEqualTo("hello world\n");
            assertThat(p.waitFor()).isZero();
        }

        @Test
        @DisplayName("the program inherits only fds 0, 1 and 2")
        void onlyStdioInherited() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("sh", "-c", "cd /proc/self/fd && echo *"),
                SHORT.withStdout(Stdio.PIPE)));
            String fds = readAll(p.getInputStream()).strip();
            // under qemu-user (where the spawn is a plain fork of the emulator) CI once saw this child end
            // at its 20 s deadline: say how it ended
            assertThat(p.waitFor()).as("%s, which printed '%s'", p, fds).isZero();
            // the shell's own glob may hold one descriptor of its own open while it reads the directory
            assertThat(List.of(fds.split(" "))).contains("0", "1", "2").hasSizeLessThanOrEqualTo(4);
        }

        @Test
        @DisplayName("the program starts with an empty signal mask and SIGTERM, SIGINT, SIGHUP not ignored")
        void signalsAtDefault() throws Exception {
            ForkedProcess p = track(safe.exec(List.of("grep", "-E", "^Sig(Blk|Ign):", "/proc/self/status"),
                SHORT.withStdout(Stdio.PIPE)));
            String status = readAll(p.getInputStream());
            assertThat(p.waitFor()).isZero();
            long blocked = -1;
            long ignored = -1;
            for (String line : status.split("\n")) {
                String[] kv = line.split(":\\s*");
                if (kv[0].equals("SigBlk")) {
                    blocked = Long.parseUnsignedLong(kv[1].strip(), 16);
                } else if (kv[0].equals("SigIgn")) {
                    ignored = Long.parseUnsignedLong(kv[1].strip(), 16);
                }
            }
            assertThat(blocked).as("SigBlk of %s", status).isZero();
            long termIntHup = (1L << (Signals.SIGTERM - 1)) | (1L << (2 - 1)) | (1L << (1 - 1));
            assertThat(ignored & termIntHup).as("SigIgn of %s", status).isZero();
        }

        @Test
        @DisplayName("exec of a missing program throws ErrnoException ENOENT, and leaves no child behind")
        void missingProgram() {
            assertThatThrownBy(() -> safe.exec(List.of("/nonexistent/jfork-missing"), SHORT))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.getMessage()).contains("/nonexistent/jfork-missing");
                });
        }

        @Test
        @DisplayName("exec of a file that is not executable throws ErrnoException EACCES")
        void notExecutable(@TempDir Path dir) throws Exception {
            Path plain = Files.writeString(dir.resolve("plain.sh"), "exit 0\n");
            assertThatThrownBy(() -> safe.exec(List.of(plain.toString()), SHORT))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("EACCES"));
        }

        @Test
        @DisplayName("exec of an empty argv is refused before any fork")
        void emptyArgv() {
            assertThatThrownBy(() -> safe.exec(List.of(), SHORT)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("argv is empty");
        }
    }

    @Nested
    @DisplayName("native child paths")
    class NativePaths {
        @Test
        @DisplayName("forkPrintingPid writes the child's own pid in one line")
        void printsPid() throws Exception {
            ForkedProcess p = track(safe.forkPrintingPid("Hello from child ", "\n", SHORT.withStdout(Stdio.PIPE)));
            assertThat(readAll(p.getInputStream())).isEqualTo("Hello from child " + p.pid() + "\n");
            assertThat(p.waitFor()).isZero();
        }
    }
}
