package dev.jfork.jni;

import dev.jfork.spi.Platform;
import java.nio.charset.Charset;
import java.util.Objects;

/**
 * Encodes Java strings as C strings: NUL-terminated bytes in the charset the JDK itself uses for
 * file names and process arguments ({@code sun.jnu.encoding}), so a path means the same here as in
 * {@code java.io.File} and {@code ProcessBuilder}.
 */
final class CStrings {
    private static final Charset CHARSET = Platform.fileNameCharset();

    private CStrings() {
    }

    /**
     * Encodes one string.
     *
     * @param s the string, without NUL characters
     * @param what what it is, for the error messages
     * @return its bytes followed by a NUL
     * @throws NullPointerException when {@code s} is null
     * @throws IllegalArgumentException when {@code s} contains a NUL character
     */
    static byte[] of(String s, String what) {
        if (s == null) {
            throw new NullPointerException(what);
        }
        if (s.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(what + " contains a NUL character: " + s);
        }
        return encode(s);
    }

    /**
     * Encodes an argument vector.
     *
     * @param argv the arguments, none null
     * @return one C string per argument
     * @throws NullPointerException when {@code argv} or an element is null
     * @throws IllegalArgumentException when an argument contains a NUL character
     */
    static byte[][] of(String[] argv) {
        Objects.requireNonNull(argv, "argv");
        byte[][] c = new byte[argv.length][];
        for (int i = 0; i < argv.length; i++) {
            String arg = argv[i];
            if (arg == null || arg.indexOf('\0') >= 0) {
                of(arg, "argv[" + i + "]"); // throws with the index in the message
            }
            c[i] = encode(arg);
        }
        return c;
    }

    private static byte[] encode(String s) {
        byte[] bytes = s.getBytes(CHARSET);
        byte[] c = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, c, 0, bytes.length);
        return c;
    }
}
