package dev.jfork.internal.call;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;

/**
 * How a {@code call} child sends back its result, and a pool its arguments and answers: one tag byte,
 * then a Java-serialised value ({@link #VALUE}), or a value of a JDK type written without serialisation
 * ({@link #PLAIN}: null, the boxed primitives, {@code String}, {@code byte[]}), or an exception as plain
 * data ({@link ThrowableCodec}), or text.
 */
public final class CallProtocol {
    public static final byte VALUE = 0;
    public static final byte THREW = 1;
    public static final byte THREW_TEXT = 2;
    public static final byte NOT_SERIALIZABLE = 3;
    public static final byte RESULT_FAILED = 4;
    /** A value of one of {@link PlainValues}' types, read back without {@code ObjectInputStream}. */
    public static final byte PLAIN = 5;

    private CallProtocol() {
    }

    /**
     * @param message a message, tag included
     * @return whether it holds a value ({@link #VALUE} or {@link #PLAIN}), which {@link #deserialize} reads
     */
    public static boolean isValue(byte[] message) {
        return message.length > 0 && (message[0] == VALUE || message[0] == PLAIN);
    }

    /**
     * @param message a message whose {@link #isValue} holds
     * @return whether reading it back loads no class: its value is of a JDK type every JVM has ready
     */
    public static boolean isPlain(byte[] message) {
        return message.length > 0 && message[0] == PLAIN;
    }

    /**
     * @param value a value
     * @return whether {@link #encodeValue} writes it without Java serialisation
     */
    public static boolean isPlainValue(Object value) {
        return PlainValues.isPlain(value);
    }

    /**
     * Writes a plain value's message ({@link #isPlainValue} holds) into {@code out}, tag included.
     *
     * @param value the value
     * @param out where to
     */
    public static void writePlain(Object value, ByteArrayOutputStream out) {
        out.write(PLAIN);
        PlainValues.write(value, out);
    }

    public static byte[] encodeValue(Object value) {
        return encodeValue(value, null);
    }

    /**
     * Like {@link #encodeValue(Object)}, telling {@code seen} (when not null) each class described in a
     * serialised value.
     *
     * @param value the value
     * @param seen told each class, or null
     * @return the message
     */
    public static byte[] encodeValue(Object value, java.util.function.Consumer<Class<?>> seen) {
        if (PlainValues.isPlain(value)) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(16);
            writePlain(value, bytes);
            return bytes.toByteArray();
        }
        if (value != null && !(value instanceof java.io.Serializable)) {
            // checked before any serialisation code runs: describing a class for the first time
            // defines classes, which can hang in a child
            return tagged(NOT_SERIALIZABLE, text("the task's result of type " + value.getClass().getName()
                + " cannot be serialised: it does not implement java.io.Serializable"));
        }
        try {
            return tagged(VALUE, serialize(value, seen));
        } catch (IOException e) {
            return tagged(NOT_SERIALIZABLE, text("the task's result of type "
                + (value == null ? "null" : value.getClass().getName()) + " cannot be serialised: " + e));
        }
    }

    public static byte[] encodeThrown(Throwable thrown) {
        try {
            return tagged(THREW, ThrowableCodec.encode(thrown));
        } catch (IOException | RuntimeException e) {
            StringWriter trace = new StringWriter();
            thrown.printStackTrace(new PrintWriter(trace));
            return tagged(THREW_TEXT, text(trace.toString()));
        }
    }

    /**
     * The task returned a value whose serialisation threw.
     *
     * @param value the value
     * @param failure what its serialisation threw
     * @return the message: the value's class name, then the exception as plain data
     */
    public static byte[] encodeResultFailure(Object value, Throwable failure) {
        try {
            java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
            java.io.DataOutputStream out = new java.io.DataOutputStream(bytes);
            out.writeUTF(value.getClass().getName());
            out.write(ThrowableCodec.encode(failure));
            out.flush();
            return tagged(RESULT_FAILED, bytes.toByteArray());
        } catch (IOException | RuntimeException e) {
            return tagged(NOT_SERIALIZABLE, text("the task's result of type " + value.getClass().getName()
                + " cannot be serialised: " + failure));
        }
    }

    /**
     * Reads a {@link #RESULT_FAILED} message.
     *
     * @param message the message, tag included
     * @return the result's class name and what its serialisation threw
     * @throws IOException when the message is malformed
     */
    public static Object[] decodeResultFailure(byte[] message) throws IOException {
        return decodeResultFailure(message, TaskLoaders.JFORK);
    }

    /**
     * Reads a {@link #RESULT_FAILED} message, its exception's class resolved with {@code loaders}.
     *
     * @param message the message, tag included
     * @param loaders the task's class loaders
     * @return the result's class name and what its serialisation threw
     * @throws IOException when the message is malformed
     */
    public static Object[] decodeResultFailure(byte[] message, TaskLoaders loaders) throws IOException {
        java.io.DataInputStream in = new java.io.DataInputStream(
            new ByteArrayInputStream(message, 1, message.length - 1));
        String type = in.readUTF();
        return new Object[] {type, ThrowableCodec.decode(in, loaders)};
    }

    private static byte[] serialize(Object value) throws IOException {
        return serialize(value, null);
    }

    /**
     * Serialises {@code value}, telling {@code seen} each class whose description it writes (what a
     * reader would load), so that a pool prepares them without reading the value (user code) back.
     */
    static byte[] serialize(Object value, java.util.function.Consumer<Class<?>> seen) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = seen == null ? new ObjectOutputStream(bytes) : new ObjectOutputStream(bytes) {
            @Override
            protected void annotateClass(Class<?> type) {
                seen.accept(type);
            }

            @Override
            protected void annotateProxyClass(Class<?> type) {
                seen.accept(type);
            }
        }) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    public static Object deserialize(byte[] message) throws IOException, ClassNotFoundException {
        if (isPlain(message)) {
            return PlainValues.read(message, 1);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(message, 1, message.length - 1))) {
            return in.readObject();
        }
    }

    /**
     * Reads a value message, its classes resolved with {@code loaders} (the task's, in the parent).
     *
     * @param message a message whose {@link #isValue} holds
     * @param loaders the task's class loaders
     * @return the value
     * @throws IOException when it cannot be read
     * @throws ClassNotFoundException when none of the loaders has one of its classes
     */
    public static Object deserialize(byte[] message, TaskLoaders loaders) throws IOException, ClassNotFoundException {
        if (isPlain(message)) {
            return PlainValues.read(message, 1);
        }
        try (ObjectInputStream in = loaders.input(new ByteArrayInputStream(message, 1, message.length - 1))) {
            return in.readObject();
        }
    }

    public static Throwable decodeThrown(byte[] message) throws IOException {
        return decodeThrown(message, TaskLoaders.JFORK);
    }

    /**
     * Reads a {@link #THREW} message, the exception's class resolved with {@code loaders}.
     *
     * @param message the message, tag included
     * @param loaders the task's class loaders
     * @return the exception, or a {@link dev.jfork.ChildTaskException} standing in for it
     * @throws IOException when the message is malformed
     */
    public static Throwable decodeThrown(byte[] message, TaskLoaders loaders) throws IOException {
        return ThrowableCodec.decode(new ByteArrayInputStream(message, 1, message.length - 1), loaders);
    }

    public static String text(byte[] message) {
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
