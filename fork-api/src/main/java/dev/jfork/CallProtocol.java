package dev.jfork;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * How a {@code call} child sends back its result: one tag byte, then a Java-serialised value, or
 * an exception as plain data ({@link ThrowableCodec}), or text.
 */
final class CallProtocol {
    static final byte VALUE = 0;
    static final byte THREW = 1;
    static final byte THREW_TEXT = 2;
    static final byte NOT_SERIALIZABLE = 3;

    private CallProtocol() {
    }

    static byte[] encodeValue(Object value) {
        if (value != null && !(value instanceof java.io.Serializable)) {
            // checked before any serialisation code runs: describing a class for the first time
            // defines classes, which can hang in a child
            return tagged(NOT_SERIALIZABLE, text("the task's result of type " + value.getClass().getName()
                + " cannot be serialised: it does not implement java.io.Serializable"));
        }
        try {
            return tagged(VALUE, serialize(value));
        } catch (IOException e) {
            return tagged(NOT_SERIALIZABLE, text("the task's result of type "
                + (value == null ? "null" : value.getClass().getName()) + " cannot be serialised: " + e));
        }
    }

    static byte[] encodeThrown(Throwable thrown) {
        try {
            return tagged(THREW, ThrowableCodec.encode(thrown));
        } catch (IOException | RuntimeException e) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            return tagged(THREW_TEXT, text(trace.toString()));
        }
    }

    private static byte[] serialize(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    static Object deserialize(byte[] message) throws IOException, ClassNotFoundException {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(message, 1, message.length - 1))) {
            return in.readObject();
        }
    }

    static Throwable decodeThrown(byte[] message) throws IOException {
        return ThrowableCodec.decode(new ByteArrayInputStream(message, 1, message.length - 1));
    }

    static String text(byte[] message) {
        return new String(message, 1, message.length - 1, StandardCharsets.UTF_8);
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] tagged(byte tag, byte[] payload) {
        byte[] message = new byte[payload.length + 1];
        message[0] = tag;
        System.arraycopy(payload, 0, message, 1, payload.length);
        return message;
    }
}
