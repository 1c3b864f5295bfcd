package dev.jfork.jni;

import dev.jfork.spi.Platform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Finds and loads {@code libjfork.so}, in the manner of Netty's {@code NativeLibraryLoader}: an
 * explicit path from {@value JniProcessForker#LIBRARY_PATH_PROPERTY} wins; otherwise the library
 * shipped in the jar under {@code META-INF/native/linux-<arch>/} is copied into a fresh private
 * (0700) directory, loaded, and deleted with its directory at once.
 *
 * <p>Every failure is an {@link UnsatisfiedLinkError} (or {@link UnsupportedOperationException} for
 * an unsupported platform) whose message says what was tried, where, and on which OS/arch.
 */
final class NativeLibraryLoader {
    /** The library's file name, in the jar and on disk. */
    static final String LIBRARY_FILE = "libjfork.so";

    private NativeLibraryLoader() {
    }

    /**
     * Loads the library for this JVM's platform. Its {@code JNI_OnLoad} binds {@link NativeCalls}.
     *
     * @throws UnsupportedOperationException when this is not Linux x86_64 or aarch64
     * @throws UnsatisfiedLinkError when the library could not be found, extracted or loaded
     */
    static void load() {
        String classifier = Platform.requireSupported("jni");
        String explicit = System.getProperty(JniProcessForker.LIBRARY_PATH_PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            loadExplicit(explicit.strip(), classifier);
        } else {
            String tmpdir = System.getProperty(JniProcessForker.TMPDIR_PROPERTY);
            Path base = Path.of(tmpdir != null && !tmpdir.isBlank()
                ? tmpdir.strip() : System.getProperty("java.io.tmpdir"));
            loadFromJar(classifier, base);
        }
    }

    /**
     * Loads the library from an absolute path given by the user.
     *
     * @param path the value of {@value JniProcessForker#LIBRARY_PATH_PROPERTY}
     * @param classifier the platform, for messages
     */
    static void loadExplicit(String path, String classifier) {
        String what = LIBRARY_FILE + " from -D" + JniProcessForker.LIBRARY_PATH_PROPERTY + "=" + path;
        if (!Path.of(path).isAbsolute()) {
            throw new UnsatisfiedLinkError("could not load " + what + " on " + classifier
                + ": the path must be absolute");
        }
        try {
            System.load(path);
        } catch (UnsatisfiedLinkError e) {
            throw failure(what, classifier, e);
        }
    }

    /**
     * Copies the jar's library for {@code classifier} into a new private directory under
     * {@code base}, loads it and deletes the copy and the directory.
     *
     * @param classifier the platform directory, e.g. {@code linux-x86_64}
     * @param base where the private directory is made
     */
    static void loadFromJar(String classifier, Path base) {
        String resource = "META-INF/native/" + classifier + "/" + LIBRARY_FILE;
        Path dir = null;
        Path file = null;
        try (InputStream in = NativeLibraryLoader.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new UnsatisfiedLinkError("could not load " + resource + " on " + classifier
                    + ": the resource is not in the class path (was fork-jni built on this platform?)");
            }
            try {
                Files.createDirectories(base);
                dir = Files.createTempDirectory(base, "jfork-jni-",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
                file = dir.resolve(LIBRARY_FILE);
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
            } catch (IOException | RuntimeException e) {
                UnsatisfiedLinkError error = new UnsatisfiedLinkError("could not extract " + resource + " into "
                    + (dir != null ? dir : base) + " on " + classifier + ": " + e + hint());
                error.initCause(e);
                throw error;
            }
            try {
                System.load(file.toString());
            } catch (UnsatisfiedLinkError e) {
                throw failure(resource + " (extracted to " + file + ")", classifier, e);
            }
        } catch (IOException e) {
            UnsatisfiedLinkError error = new UnsatisfiedLinkError("could not read " + resource + " on "
                + classifier + ": " + e);
            error.initCause(e);
            throw error;
        } finally {
            deleteQuietly(file);
            deleteQuietly(dir);
        }
    }

    /**
     * Wraps a failed {@code System.load}, with a hint on what to set when the error looks like a
     * {@code noexec} mount.
     *
     * @param what the library and where it came from
     * @param classifier the platform
     * @param cause the error from {@code System.load}
     * @return the error to throw
     */
    static UnsatisfiedLinkError failure(String what, String classifier, Throwable cause) {
        String message = String.valueOf(cause.getMessage());
        boolean noexec = message.contains("failed to map segment") || message.contains("Operation not permitted");
        UnsatisfiedLinkError error = new UnsatisfiedLinkError("could not load " + what + " on " + classifier + ": "
            + message + (noexec ? "; the directory looks mounted noexec." + hint() : ""));
        error.initCause(cause);
        return error;
    }

    private static String hint() {
        return " Set -D" + JniProcessForker.TMPDIR_PROPERTY + "=<a directory on an exec-mounted file system>"
            + " to extract the library there, or -D" + JniProcessForker.LIBRARY_PATH_PROPERTY
            + "=<absolute path of an installed " + LIBRARY_FILE + ">.";
    }

    private static void deleteQuietly(Path path) {
        if (path == null) {
            return;
        }
        try {
            Files.deleteIfExists(path);
        } catch (IOException | RuntimeException e) {
            path.toFile().deleteOnExit();
        }
    }
}
