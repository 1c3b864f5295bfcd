package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ErrnoException;
import java.io.File;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The raw SPI's pipes and output: a pipe carries exactly a child's bytes, dup2 puts it on a child's
 * descriptor, a bad descriptor fails with EBADF, and the parent's buffered output is not printed twice.
 * Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RawPipesKit extends RawSpiKit {
    @Nested
    @DisplayName("pipes")
    class Pipes {
        @Test
        @DisplayName("the parent reads exactly the child's bytes, then end of file once the child has exited")
        void childBytesThenEof() {
            byte[] sent = new byte[100_000];
            for (int i = 0; i < sent.length; i++) {
                sent[i] = (byte) (i * 31 + 7);
            }
            int[] p = pipe();
            int pid = children.fork(() -> {
                children.writeFully(p[1], sent);
                return 0;
            });
            forker.close(p[1]);
            byte[] got = children.readAll(p[0]);
            forker.close(p[0]);
            assertThat(children.await(pid).exitCode()).isZero();
            assertThat(got).isEqualTo(sent);
        }

        @Test
        @DisplayName("dup2 puts a pipe on the child's fd 1")
        void dup2OntoStdout() {
            int[] p = pipe();
            int pid = children.fork(() -> {
                forker.dup2(p[1], 1);
                children.writeString(1, "via fd 1");
                return 0;
            });
            forker.close(p[1]);
            String got = children.readString(p[0]);
            forker.close(p[0]);
            assertThat(children.await(pid).exitCode()).isZero();
            assertThat(got).isEqualTo("via fd 1");
        }

        @Test
        @DisplayName("reading a descriptor that is not open fails with EBADF")
        void readClosedFdFails() {
            // a number no process has open: a just-closed fd could be reused by another thread at once
            assertThatThrownBy(() -> forker.read(Integer.MAX_VALUE, new byte[1], 1))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("EBADF");
                    assertThat(e.operation()).startsWith("read");
                });
        }
    }

    @Nested
    @DisplayName("output")
    class Output {
        @Test
        @DisplayName("a line printed by the parent just before the fork is not duplicated by the child")
        void printedLineNotDuplicated(@TempDir Path dir) throws Exception {
            File file = dir.resolve("out.txt").toFile();
            PrintStream saved = System.out;
            try (PrintStream out = new PrintStream(new FileOutputStream(file), false, StandardCharsets.UTF_8)) {
                System.setOut(out);
                System.out.println("token-before-fork");
                int pid = children.fork(() -> {
                    System.out.flush();
                    return 0;
                });
                assertThat(children.await(pid).exitCode()).isZero();
            } finally {
                System.setOut(saved);
            }
            assertThat(Files.readString(file.toPath())).isEqualTo("token-before-fork" + System.lineSeparator());
        }
    }
}
