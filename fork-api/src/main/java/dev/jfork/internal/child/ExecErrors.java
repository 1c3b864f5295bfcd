package dev.jfork.internal.child;

/** The four bytes in which an exec child sends its errno back over the close-on-exec pipe. */
public final class ExecErrors {
    private ExecErrors() {
    }

    public static byte[] encode(int errno) {
        return new byte[] {(byte) (errno >>> 24), (byte) (errno >>> 16), (byte) (errno >>> 8), (byte) errno};
    }

    public static int decode(byte[] b, int offset) {
        return ((b[offset] & 0xff) << 24) | ((b[offset + 1] & 0xff) << 16) | ((b[offset + 2] & 0xff) << 8)
            | (b[offset + 3] & 0xff);
    }
}
