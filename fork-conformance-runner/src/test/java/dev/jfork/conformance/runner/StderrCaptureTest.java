package dev.jfork.conformance.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.ProcessForkers;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class StderrCaptureTest {
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void descriptorTwoOfTheJvmAndOfItsChildrenIsKeptUntilClosed() throws Exception {
        Path before = Files.readSymbolicLink(Path.of("/proc/self/fd/2"));
        Optional<StderrCapture> redirected = StderrCapture.redirect(ProcessForkers.backend("jni"));
        assertThat(redirected).as("stderr moved to a file").isPresent();
        String during;
        Path file;
        try (StderrCapture capture = redirected.get()) {
            file = Files.readSymbolicLink(Path.of("/proc/self/fd/2"));
            assertThat(file).isNotEqualTo(before);
            long mark = capture.mark();
            // as System.err writes in the kit jar (surefire puts a stream of its own in System.err here)
            FileOutputStream fd2 = new FileOutputStream(FileDescriptor.err);
            fd2.write("the JVM's own line\n".getBytes(StandardCharsets.UTF_8));
            fd2.flush();
            Process child = new ProcessBuilder("sh", "-c", "echo a child inheriting fd 2 >&2")
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            during = capture.since(mark);
        }
        assertThat(during).isEqualTo("the JVM's own line\na child inheriting fd 2\n");
        assertThat(Files.readSymbolicLink(Path.of("/proc/self/fd/2"))).as("stderr back where it was").isEqualTo(before);
        assertThat(file).as("the file deleted").doesNotExist();
    }
}
