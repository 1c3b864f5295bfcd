package dev.jfork.internal.call;

import dev.jfork.ChildTaskException;
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
public final class ThrowableCodec {
    private static final int MAX_CAUSES = 16;

    private ThrowableCodec() {
    }

    public static byte[] encode(Throwable thrown) throws IOException {
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

    public static Throwable decode(InputStream in) throws IOException {
        return decode(in, TaskLoaders.JFORK);
    }

    /**
     * Rebuilds an exception sent by {@link #encode}, its class (and its causes') found with {@code loaders}.
     *
     * @param in the bytes
     * @param loaders the task's class loaders
     * @return the exception, or a {@link ChildTaskException} that names a class not found or not rebuildable
     * @throws IOException when the bytes are malformed
     */
    public static Throwable decode(InputStream in, TaskLoaders loaders) throws IOException {
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
            Throwable rebuilt = rebuild(className, message, loaders);
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

    private static Throwable rebuild(String className, String message, TaskLoaders loaders) {
        try {
            Class<?> type = loaders.load(className);
            if (Throwable.class.isAssignableFrom(type)) {
                Throwable t = construct(type, message);
                if (t != null && t.getCause() == null && java.util.Objects.equals(t.getMessage(), message)) {
                    return t;
                }
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException notRebuildable) {
            // fall through to the stand-in
        }
        return new ChildTaskException(className, message);
    }

    /** With a {@code (String)}, a {@code (String, Throwable)} or, for no message, a {@code ()} constructor. */
    private static Throwable construct(Class<?> type, String message) throws ReflectiveOperationException {
        for (Constructor<?> c : type.getConstructors()) {
            Class<?>[] p = c.getParameterTypes();
            if (p.length == 1 && p[0] == String.class) {
                return (Throwable) c.newInstance(message);
            }
        }
        for (Constructor<?> c : type.getConstructors()) {
            Class<?>[] p = c.getParameterTypes();
            if (p.length == 2 && p[0] == String.class && p[1] == Throwable.class) {
                return (Throwable) c.newInstance(message, null);
            }
            if (p.length == 0 && message == null) {
                return (Throwable) c.newInstance();
            }
        }
        return null;
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
