package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ErrnoException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.spi.OpenFlags;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child's stdin, stdout and stderr redirected as {@link ProcessBuilder} does it ({@link ForkOptions}
 * with {@link Redirect}s): files read, written, appended to, {@code /dev/null}, and stderr into stdout,
 * for a forked Java child, an {@code exec}ed program and the pid-printing child; a file that cannot be
 * opened fails the start with its name and errno and leaves no child; the parent keeps no descriptor of
 * the files. An {@code exec}ed program's working directory and environment, as
 * {@code ProcessBuilder.directory} and {@code environment()}. Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class StdioRedirectKit extends HugePagesKit {
    private static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));

    private ForkedProcess started(ForkedProcess p) {
        return tracked.process(p);
    }

    /** The descriptors of this process open on {@code file}. */
    private static long openOn(Path file) throws IOException {
        Path real = file.toRealPath();
        long count = 0;
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path link : fds) {
                try {
                    if (Files.readSymbolicLink(link).equals(real)) {
                        count++;
                    }
                } catch (IOException gone) {
                    // closed while listed (the directory stream's own descriptor among them)
                }
            }
        }
        return count;
    }

    @Nested
    @DisplayName("stdio redirected as ProcessBuilder does")
    class StdioRedirects {
        @TempDir
        Path dir;

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("a forked child's System.out and System.err go to a file, stderr after stdout (2>&1)")
        void forkedChildToFileWithStderrMerged() throws Exception {
            Path out = dir.resolve("child.out");
            Forker safe = Forker.of(forker);
            ForkedProcess p = started(safe.fork(() -> {
                System.out.println("to stdout");
                System.out.flush();
                System.err.println("to stderr");
                return 0;
            }, SHORT.withStdout(Redirect.to(out.toFile())).withStderrToStdout()));
            assertThat(p.waitFor()).as("%s", p).isZero();
            assertThat(Files.readString(out)).isEqualTo("to stdout\nto stderr\n");
            assertThat(p.getErrorStream().read()).as("the error stream of a merged child is empty").isEqualTo(-1);
            assertThat(openOn(out)).as("descriptors the parent still has on the file").isZero();
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("exec appends to a file, or truncates it first, and reads its stdin from one")
        void execAppendTruncateAndRead() throws Exception {
            Path log = dir.resolve("exec.log");
            Files.writeString(log, "one\n");
            Forker safe = Forker.of(forker);
            ForkedProcess append = started(safe.exec(List.of("echo", "two"),
                SHORT.withStdout(Redirect.appendTo(log.toFile()))));
            assertThat(append.waitFor()).isZero();
            assertThat(Files.readString(log)).isEqualTo("one\ntwo\n");

            ForkedProcess truncate = started(safe.exec(List.of("echo", "three"),
                SHORT.withStdout(Redirect.to(log.toFile()))));
            assertThat(truncate.waitFor()).isZero();
            assertThat(Files.readString(log)).isEqualTo("three\n");

            ForkedProcess cat = started(safe.exec(List.of("cat"),
                SHORT.withStdin(Redirect.from(log.toFile())).withStdout(Stdio.PIPE)));
            assertThat(ProbeJvmKit.readAll(cat.getInputStream())).isEqualTo("three\n");
            assertThat(cat.waitFor()).isZero();
            assertThat(openOn(log)).as("descriptors the parent still has on the file").isZero();
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("exec's stderr goes into the stdout pipe; discarded output and a /dev/null stdin end at once")
        void execStderrToStdoutAndDiscard() throws Exception {
            Forker safe = Forker.of(forker);
            ForkedProcess both = started(safe.exec(List.of("sh", "-c", "echo out; echo err >&2"),
                SHORT.withStdout(Stdio.PIPE).withStderr(Stdio.PIPE).withStderrToStdout()));
            assertThat(ProbeJvmKit.readAll(both.getInputStream())).isEqualTo("out\nerr\n");
            assertThat(both.getErrorStream().read()).isEqualTo(-1);
            assertThat(both.waitFor()).isZero();

            ForkedProcess quiet = started(safe.exec(List.of("sh", "-c", "echo out; echo err >&2; cat"),
                SHORT.withStdin(Stdio.DISCARD).withStdout(Stdio.DISCARD).withStderr(Redirect.DISCARD)));
            assertThat(quiet.waitFor(10, TimeUnit.SECONDS)).as("cat read /dev/null's end at once: %s", quiet).isTrue();
            assertThat(quiet.exitValue()).isZero();
            assertThat(quiet.getInputStream().read()).isEqualTo(-1);
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("exec runs a program in a working directory of its own, with an environment of its own")
        void execDirectoryAndEnvironment() throws Exception {
            Forker safe = Forker.of(forker);
            Path work = Files.createDirectory(dir.resolve("work dir"));
            Path script = Files.writeString(work.resolve("here.sh"), "pwd; echo \"$GREETING|${HOME-unset}\"\n");
            ForkedProcess p = started(safe.exec(List.of("sh", "./here.sh"), SHORT.withStdout(Stdio.PIPE)
                .withDirectory(work).withEnvironment(Map.of("GREETING", "hello, child", "PATH", "/usr/bin:/bin"))));
            assertThat(ProbeJvmKit.readAll(p.getInputStream()))
                .isEqualTo(work.toRealPath() + "\nhello, child|unset\n");
            assertThat(p.waitFor()).isZero();
            assertThat(script).exists();

            Map<String, String> inherited = new HashMap<>(System.getenv());
            inherited.put("JFORK_KIT_EXTRA", "1");
            ForkedProcess env = started(safe.exec(List.of("sh", "-c", "echo \"$JFORK_KIT_EXTRA $HOME\""),
                SHORT.withStdout(Stdio.PIPE).withEnvironment(inherited)));
            assertThat(ProbeJvmKit.readAll(env.getInputStream())).isEqualTo("1 " + System.getenv("HOME") + "\n");
            assertThat(env.waitFor()).isZero();

            long childrenBefore = ProcessHandle.current().children().count();
            Path missing = dir.resolve("no-such-dir");
            assertThatThrownBy(() -> started(safe.exec(List.of("true"), SHORT.withDirectory(missing))))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.getMessage()).contains(missing.toString());
                });
            assertThatThrownBy(() -> started(safe.exec(List.of("true"), SHORT.withDirectory(script))))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOTDIR"));
            assertThat(ProcessHandle.current().children().count()).isEqualTo(childrenBefore);
            // a forked Java child keeps the JVM's directory and environment: asking otherwise is refused
            assertThatThrownBy(() -> started(safe.fork(() -> 0, SHORT.withDirectory(work))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apply to exec only");
            assertThatThrownBy(() -> safe.call(() -> 0, SHORT.withEnvironment(Map.of())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("apply to exec only");
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("the pid-printing child (the demo's) writes its line into a file")
        void printingChildToFile() throws Exception {
            Path out = dir.resolve("pid.txt");
            Forker safe = Forker.of(forker);
            ForkedProcess p = started(safe.forkPrintingPid("Hello from child ", "\n",
                SHORT.withStdout(Redirect.to(out.toFile()))));
            assertThat(p.waitFor()).isZero();
            assertThat(Files.readString(out)).isEqualTo("Hello from child " + p.pid() + "\n");
            assertThat(openOn(out)).isZero();
        }

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("a file that cannot be opened fails the start with its name and errno, and no child is left")
        void unopenableFileFailsTheStart() throws Exception {
            Forker safe = Forker.of(forker);
            File missing = dir.resolve("no-such-dir").resolve("out.txt").toFile();
            long childrenBefore = ProcessHandle.current().children().count();
            assertThatThrownBy(() -> started(safe.fork(() -> 0, SHORT.withStdout(Redirect.to(missing)))))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ENOENT");
                    assertThat(e.getMessage()).contains("open(" + missing.getPath() + ", O_WRONLY|O_CREAT|O_TRUNC");
                });
            assertThatThrownBy(() -> started(safe.exec(List.of("cat"), SHORT.withStdin(Redirect.from(missing)))))
                .isInstanceOf(ErrnoException.class).hasMessageContaining(missing.getPath()).hasMessageContaining("ENOENT");
            assertThat(ProcessHandle.current().children().count()).as("children after the failed starts")
                .isEqualTo(childrenBefore);
            assertThat(tracked.processes()).isEmpty();

            // the raw SPI's open, through the guarded backend users get: errno, and a descriptor that works
            assertThatThrownBy(() -> safe.backend().open(missing.getPath(), OpenFlags.O_RDONLY, 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"))
                .hasMessageContaining("open(" + missing.getPath() + ", O_RDONLY)");
            Path present = Files.writeString(dir.resolve("present.txt"), "abc");
            int fd = safe.backend().open(present.toString(), OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
            try {
                byte[] read = new byte[8];
                assertThat(safe.backend().read(fd, read, read.length)).isEqualTo(3);
                assertThat(new String(read, 0, 3, java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("abc");
            } finally {
                safe.backend().close(fd);
            }

            // a redirect the wrong way round is refused where it is made, as ProcessBuilder does
            File any = dir.resolve("any.txt").toFile();
            assertThatThrownBy(() -> SHORT.withStdin(Redirect.to(any)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdin");
            assertThatThrownBy(() -> SHORT.withStdout(Redirect.from(any)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("stdout");
        }
    }
}
