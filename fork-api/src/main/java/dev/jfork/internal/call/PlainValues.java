package dev.jfork.internal.call;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The values that cross a pipe without Java serialisation: null, the eight boxed primitives, {@code String}
 * and {@code byte[]}, each as a kind byte and its bits, read back exactly (a string keeps unpaired
 * surrogates, a float its NaN bits). An {@code ObjectOutputStream} and an {@code ObjectInputStream} each
 * allocate a few KB and run hundreds of methods; after a fork every page they write costs a
 * copy-on-write fault, in the parent and in the child (15-20 us each on a virtual machine), and for a
 * small pool task those were most of its time.
 */
final class PlainValues {
    private static final byte NULL = 0;
    private static final byte BOOLEAN = 1;
    private static final byte BYTE = 2;
    private static final byte SHORT = 3;
    private static final byte CHAR = 4;
    private static final byte INT = 5;
    private static final byte LONG = 6;
    private static final byte FLOAT = 7;
    private static final byte DOUBLE = 8;
    /** A string whose every char is below 256: one byte a char. */
    private static final byte LATIN1 = 9;
    /** Any other string: two bytes a char, big-endian. */
    private static final byte UTF16 = 10;
    private static final byte BYTES = 11;

    private PlainValues() {
    }

    /**
     * @param value a value
     * @return whether it is one of the plain types (exactly: a subclass of none of them exists)
     */
    static boolean isPlain(Object value) {
        return value == null || value instanceof String || value instanceof Integer || value instanceof Long
            || value instanceof byte[] || value instanceof Boolean || value instanceof Double
            || value instanceof Float || value instanceof Short || value instanceof Byte
            || value instanceof Character;
    }

    /**
     * Writes the kind and bits of a plain value.
     *
     * @param value a value for which {@link #isPlain} holds
     * @param out where to
     */
    static void write(Object value, ByteArrayOutputStream out) {
        if (value == null) {
            out.write(NULL);
        } else if (value instanceof Integer) {
            out.write(INT);
            writeInt(out, (Integer) value);
        } else if (value instanceof Long) {
            out.write(LONG);
            writeLong(out, (Long) value);
        } else if (value instanceof String) {
            writeString(out, (String) value);
        } else if (value instanceof byte[]) {
            byte[] bytes = (byte[]) value;
            out.write(BYTES);
            writeInt(out, bytes.length);
            out.write(bytes, 0, bytes.length);
        } else if (value instanceof Boolean) {
            out.write(BOOLEAN);
            out.write((Boolean) value ? 1 : 0);
        } else if (value instanceof Double) {
            out.write(DOUBLE);
            writeLong(out, Double.doubleToRawLongBits((Double) value));
        } else if (value instanceof Float) {
            out.write(FLOAT);
            writeInt(out, Float.floatToRawIntBits((Float) value));
        } else if (value instanceof Short) {
            out.write(SHORT);
            writeShort(out, (Short) value);
        } else if (value instanceof Byte) {
            out.write(BYTE);
            out.write((Byte) value);
        } else if (value instanceof Character) {
            out.write(CHAR);
            writeShort(out, (Character) value);
        } else {
            throw new IllegalArgumentException("not a plain value: " + value.getClass().getName());
        }
    }

    /**
     * Reads a plain value.
     *
     * @param message the message
     * @param offset where its kind byte is
     * @return the value
     * @throws IOException when the message is cut short, longer than its value, or of an unknown kind
     */
    static Object read(byte[] message, int offset) throws IOException {
        if (offset >= message.length) {
            throw new IOException("jfork: an empty plain value");
        }
        Reader in = new Reader(message, offset + 1);
        Object value;
        switch (message[offset]) {
            case NULL: value = null; break;
            case BOOLEAN: value = in.bytes(1)[0] != 0; break;
            case BYTE: value = in.bytes(1)[0]; break;
            case SHORT: value = (short) in.unsigned16(); break;
            case CHAR: value = (char) in.unsigned16(); break;
            case INT: value = in.int32(); break;
            case LONG: value = in.int64(); break;
            case FLOAT: value = Float.intBitsToFloat(in.int32()); break;
            case DOUBLE: value = Double.longBitsToDouble(in.int64()); break;
            case LATIN1: value = new String(in.bytes(in.length(1)), StandardCharsets.ISO_8859_1); break;
            case UTF16: value = in.utf16(in.length(2)); break;
            case BYTES: value = in.bytes(in.length(1)); break;
            default: throw new IOException("jfork: a plain value of unknown kind " + message[offset]);
        }
        if (in.at != message.length) {
            throw new IOException("jfork: " + (message.length - in.at) + " bytes after a plain value");
        }
        return value;
    }

    private static void writeString(ByteArrayOutputStream out, String s) {
        int length = s.length();
        boolean latin1 = true;
        for (int i = 0; i < length && latin1; i++) {
            latin1 = s.charAt(i) < 256;
        }
        out.write(latin1 ? LATIN1 : UTF16);
        writeInt(out, length);
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (latin1) {
                out.write(c);
            } else {
                writeShort(out, c);
            }
        }
    }

    private static void writeShort(ByteArrayOutputStream out, int v) {
        out.write(v >>> 8);
        out.write(v);
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        writeShort(out, v >>> 16);
        writeShort(out, v);
    }

    private static void writeLong(ByteArrayOutputStream out, long v) {
        writeInt(out, (int) (v >>> 32));
        writeInt(out, (int) v);
    }

    /** Big-endian reads that fail on a message cut short. */
    private static final class Reader {
        private final byte[] message;
        private int at;

        Reader(byte[] message, int at) {
            this.message = message;
            this.at = at;
        }

        private void need(long n) throws IOException {
            if (n > message.length - at) {
                throw new IOException("jfork: a plain value cut short: " + n + " bytes wanted at " + at + " of "
                    + message.length);
            }
        }

        int unsigned16() throws IOException {
            need(2);
            int v = ((message[at] & 0xff) << 8) | (message[at + 1] & 0xff);
            at += 2;
            return v;
        }

        int int32() throws IOException {
            return (unsigned16() << 16) | unsigned16();
        }

        long int64() throws IOException {
            return ((long) int32() << 32) | (int32() & 0xffffffffL);
        }

        /** A length, checked against what is left: {@code unit} bytes each. */
        int length(int unit) throws IOException {
            int n = int32();
            if (n < 0) {
                throw new IOException("jfork: a plain value of negative length " + n);
            }
            need((long) n * unit);
            return n;
        }

        byte[] bytes(int n) throws IOException {
            need(n);
            byte[] bytes = java.util.Arrays.copyOfRange(message, at, at + n);
            at += n;
            return bytes;
        }

        String utf16(int chars) throws IOException {
            char[] text = new char[chars];
            for (int i = 0; i < chars; i++) {
                text[i] = (char) unsigned16();
            }
            return new String(text);
        }
    }
}
