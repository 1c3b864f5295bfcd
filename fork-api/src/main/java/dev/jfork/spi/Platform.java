package dev.jfork.spi;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The platforms jfork supports, Linux on x86_64 and aarch64, checked once for every backend. A
 * backend calls {@link #requireSupported(String)} before it binds anything native, so that on any
 * other platform every backend fails with the same clear message.
 */
public final class Platform {
    private Platform() {
    }

    /**
     * The platform's directory name for native code, e.g. under {@code META-INF/native/}.
     *
     * @param osName the {@code os.name} property
     * @param osArch the {@code os.arch} property
     * @return {@code linux-x86_64} or {@code linux-aarch64}
     * @throws UnsupportedOperationException for any other platform, naming it
     */
    public static String classifier(String osName, String osArch) {
        String os = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        String arch = osArch == null ? "" : osArch.toLowerCase(Locale.ROOT);
        if (os.equals("linux")) {
            if (arch.equals("amd64") || arch.equals("x86_64")) {
                return "linux-x86_64";
            }
            if (arch.equals("aarch64") || arch.equals("arm64")) {
                return "linux-aarch64";
            }
        }
        throw new UnsupportedOperationException("jfork supports Linux x86_64 and aarch64 only; this is "
            + osName + " " + osArch);
    }

    /**
     * Checks this JVM's platform for a backend.
     *
     * @param backend the backend's name, for the message
     * @return this JVM's classifier, {@code linux-x86_64} or {@code linux-aarch64}
     * @throws UnsupportedOperationException on any other platform, naming the backend and the platform
     */
    public static String requireSupported(String backend) {
        try {
            return classifier(System.getProperty("os.name"), System.getProperty("os.arch"));
        } catch (UnsupportedOperationException e) {
            throw new UnsupportedOperationException("the " + backend + " backend: " + e.getMessage(), e);
        }
    }

    /**
     * The charset the JDK itself encodes file names and program arguments in ({@code sun.jnu.encoding}),
     * for backends that pass strings to C: the default charset when it is not set, UTF-8 when it names
     * no charset this JVM knows.
     *
     * @return the charset
     */
    public static Charset fileNameCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name == null ? Charset.defaultCharset() : Charset.forName(name);
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
