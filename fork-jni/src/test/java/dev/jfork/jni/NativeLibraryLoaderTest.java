package dev.jfork.jni;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jfork.spi.Platform;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loader's messages on failure, and that it leaves nothing behind. */
class NativeLibraryLoaderTest {

    @Test
    void explicitPathFailureNamesPathPropertyAndPlatform() {
        assertThatThrownBy(() -> NativeLibraryLoader.loadExplicit("/nonexistent/libjfork.so", "linux-x86_64"))
            .isInstanceOf(UnsatisfiedLinkError.class)
            .hasMessageContaining("/nonexistent/libjfork.so")
            .hasMessageContaining(JniProcessForker.LIBRARY_PATH_PROPERTY)
            .hasMessageContaining("linux-x86_64");
        assertThatThrownBy(() -> NativeLibraryLoader.loadExplicit("relative/libjfork.so", "linux-x86_64"))
            .isInstanceOf(UnsatisfiedLinkError.class)
            .hasMessageContaining("absolute");
    }

    @Test
    void noexecLikeFailureNamesBothProperties() {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError(
            "/tmp/x/libjfork.so: failed to map segment from shared object: Operation not permitted");
        UnsatisfiedLinkError error = NativeLibraryLoader.failure("libjfork.so", "linux-x86_64", cause);
        assertThat(error.getMessage())
            .contains("noexec")
            .contains(JniProcessForker.TMPDIR_PROPERTY)
            .contains(JniProcessForker.LIBRARY_PATH_PROPERTY)
            .contains("linux-x86_64");
        assertThat(error.getCause()).isSameAs(cause);

        UnsatisfiedLinkError other = NativeLibraryLoader.failure("libjfork.so", "linux-x86_64",
            new UnsatisfiedLinkError("wrong ELF class"));
        assertThat(other.getMessage()).doesNotContain("noexec");
    }

    @Test
    void missingResourceIsReportedAndNothingIsLeftBehind(@TempDir Path base) throws Exception {
        assertThatThrownBy(() -> NativeLibraryLoader.loadFromJar("linux-nosucharch", base))
            .isInstanceOf(UnsatisfiedLinkError.class)
            .hasMessageContaining("META-INF/native/linux-nosucharch/libjfork.so");
        try (Stream<Path> left = Files.list(base)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void extractedCopyIsDeletedAfterLoading(@TempDir Path base) throws Exception {
        String classifier;
        try {
            classifier = Platform.requireSupported("jni");
        } catch (UnsupportedOperationException e) {
            assumeTrue(false, e.getMessage());
            return;
        }
        // Loading the same library again in this JVM is harmless: JNI_OnLoad binds the same methods.
        NativeLibraryLoader.loadFromJar(classifier, base);
        try (Stream<Path> left = Files.list(base)) {
            assertThat(left).isEmpty();
        }
    }
}
