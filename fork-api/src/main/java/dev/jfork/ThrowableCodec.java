package dev.jfork;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.Constructor;

/**
 * Sends a child's exception to the parent as plain data (class name, message, stack, causes) rather
 * than by Java serialisation: serialising a class for the first time defines classes, which can hang
 * forever in a forked child. The parent rebuilds an exception of the same class when it has a
 * {@code (String)} constructor, or a {@link ChildTaskException} that names it.
 */
final class ThrowableCodec {
    private static final int MAX_CAUSES = 16;

    private ThrowableCodec() {
    }

    static byte[] encode(Throwable thrown) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        int depth = 0;
        for (Throwable t = thrown; t != null && depth < MAX_CAUSES; t = t.getCause() == t ? null : t.getCause()) {
            depth++;
        }
        out.writeInt(depth);
        Throwable t = thrown;
        for (int i = 0; i < depth; i++) {
            out.writeUTF(t.getClass().getName());
            writeNullable(out, t.getMessage());
            StackTraceElement[] stack = t.getStackTrace();
            out.writeInt(stack.length);
            for (StackTraceElement e : stack) {
                out.writeUTF(e.getClassName());
                out.writeUTF(e.getMethodName());
                writeNullable(out, e.getFileName());
                out.writeInt(e.getLineNumber());
            }
            t = t.getCause();
        }
        out.flush();
        return bytes.toByteArray();
    }

    static Throwable decode(InputStream in) throws IOException {
        DataInputStream data = new DataInputStream(in);
        int depth = data.readInt();
        Throwable first = null;
        Throwable last = null;
        for (int i = 0; i < depth; i++) {
            String className = data.readUTF();
            String message = readNullable(data);
            StackTraceElement[] stack = new StackTraceElement[data.readInt()];
            for (int j = 0; j < stack.length; j++) {
                String declaring = data.readUTF();
                String method = data.readUTF();
                String file = readNullable(data);
                stack[j] = new StackTraceElement(declaring, method, file, data.readInt());
            }
            Throwable rebuilt = rebuild(className, message);
            rebuilt.setStackTrace(stack);
            if (first == null) {
                first = rebuilt;
            } else {
                try {
                    last.initCause(rebuilt);
                } catch (IllegalStateException | IllegalArgumentException causeFixed) {
                    last.addSuppressed(rebuilt);
                }
            }
            last = rebuilt;
        }
        return first;
    }

    private static Throwable rebuild(String className, String message) {
        try {
            Class<?> type = Class.forName(className, false, ThrowableCodec.class.getClassLoader());
            if (Throwable.class.isAssignableFrom(type)) {
                Constructor<?> constructor = type.getConstructor(String.class);
                Throwable t = (Throwable) constructor.newInstance(message);
                if (t.getCause() == null) {
                    return t;
                }
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException notRebuildable) {
            // fall through to the stand-in
        }
        return new ChildTaskException(className, message);
    }

    private static void writeNullable(DataOutputStream out, String s) throws IOException {
        out.writeBoolean(s != null);
        if (s != null) {
            out.writeUTF(s.length() > 16_000 ? s.substring(0, 16_000) : s);
        }
    }

    private static String readNullable(DataInputStream in) throws IOException {
        return in.readBoolean() ? in.readUTF() : null;
    }
}
