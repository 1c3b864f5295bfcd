package dev.jfork.internal.vm;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * The JDK's private fields, reached with {@code sun.misc.Unsafe} (module {@code jdk.unsupported}, whose
 * package {@code sun.misc} is open to every module), for a child's own use: the parent only looks.
 *
 * <p>On JDK 24 and later, Unsafe's memory-access methods print a one-time warning on the JVM's initial
 * standard error ({@code --sun-misc-unsafe-memory-access=warn}, the default), which must never reach a
 * user because of jfork. How Unsafe may be used is decided once ({@link #mode()}):
 * <ul>
 *   <li>{@link Mode#PARENT_AND_CHILD}: JDK 17-23, {@code allow}, or the warning already printed (by
 *       another library): calls print nothing, so the parent resolves offsets and warms the calls up;</li>
 *   <li>{@link Mode#CHILD_ONLY}: {@code warn} and not yet warned: the parent calls nothing; the child
 *       marks the warning as given ({@code Unsafe.memoryAccessWarned}, a private static field of an open
 *       package, written with reflection) for the duration of its own calls, then marks it back;</li>
 *   <li>{@link Mode#NONE}: {@code deny}, {@code debug}, or something this class does not recognise:
 *       nothing of Unsafe is used, and {@link #why()} says why.</li>
 * </ul>
 */
@SuppressWarnings({"removal", "deprecation"}) // sun.misc.Unsafe, the only way to them without --add-opens
public final class JdkFields {
    /** How Unsafe may be used in this JVM. */
    public enum Mode {
        /** In the parent (resolve and warm up) and in the child. */
        PARENT_AND_CHILD,
        /** In the child only, with the warning marked as given around its calls. */
        CHILD_ONLY,
        /** Not at all. */
        NONE
    }

    /** Stands in for {@code memoryAccessWarned} when the parent warms the child's reflective write up. */
    @SuppressWarnings("unused")
    private static boolean warmUpFlag;

    private static final sun.misc.Unsafe UNSAFE;
    private static final Mode MODE;
    private static final String WHY;
    /** {@code sun.misc.Unsafe.memoryAccessWarned} in {@link Mode#CHILD_ONLY}, accessible; else null. */
    private static final Field WARNED;

    static {
        sun.misc.Unsafe unsafe = null;
        Mode mode = Mode.NONE;
        String why = "";
        Field warned = null;
        try {
            Field theUnsafe = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            theUnsafe.setAccessible(true);
            unsafe = (sun.misc.Unsafe) theUnsafe.get(null);
            int feature = Runtime.version().feature();
            Field option = declared(sun.misc.Unsafe.class, "MEMORY_ACCESS_OPTION");
            if (option == null) {
                mode = feature < 23 ? Mode.PARENT_AND_CHILD : Mode.NONE;
                why = feature < 23 ? "" : "JDK " + feature + "'s sun.misc.Unsafe has no MEMORY_ACCESS_OPTION";
            } else {
                option.setAccessible(true);
                String value = String.valueOf(option.get(null));
                warned = declared(sun.misc.Unsafe.class, "memoryAccessWarned");
                if ("ALLOW".equals(value)) {
                    mode = Mode.PARENT_AND_CHILD;
                    warned = null;
                } else if (!"WARN".equals(value)) {
                    why = "the JVM runs with --sun-misc-unsafe-memory-access=" + value.toLowerCase(java.util.Locale.ROOT)
                        + ", which keeps jfork from sun.misc.Unsafe; allow, or warn (the default), lets it";
                    warned = null;
                } else if (warned == null || warned.getType() != boolean.class
                    || !Modifier.isStatic(warned.getModifiers()) || Modifier.isFinal(warned.getModifiers())) {
                    why = "JDK " + feature + "'s sun.misc.Unsafe.memoryAccessWarned is not a static boolean";
                    warned = null;
                } else {
                    warned.setAccessible(true);
                    if (warned.getBoolean(null)) {
                        // printed already, by someone else: nothing more will be
                        mode = Mode.PARENT_AND_CHILD;
                        warned = null;
                    } else {
                        Field warmUpFlag = JdkFields.class.getDeclaredField("warmUpFlag");
                        // the reflective accessor and its setter, made and run here on a field of ours
                        warmUpFlag.setBoolean(null, true);
                        warmUpFlag.setBoolean(null, false);
                        warmUpFlag.getBoolean(null);
                        warned.getBoolean(null);
                        mode = Mode.CHILD_ONLY;
                    }
                }
            }
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            mode = Mode.NONE;
            why = "sun.misc.Unsafe cannot be reached: " + e;
            warned = null;
        }
        UNSAFE = unsafe;
        MODE = mode;
        WHY = why;
        WARNED = warned;
    }

    private JdkFields() {
    }

    /** @return how Unsafe may be used here */
    public static Mode mode() {
        return MODE;
    }

    /** @return why {@link #mode()} is {@link Mode#NONE}, else "" */
    public static String why() {
        return WHY;
    }

    /**
     * A declared field, or null. Looking does not initialise the class.
     *
     * @param type the class
     * @param name the field's name
     * @return the field, or null when there is none
     */
    public static Field declared(Class<?> type, String name) {
        try {
            return type.getDeclaredField(name);
        } catch (NoSuchFieldException | SecurityException e) {
            return null;
        }
    }

    /**
     * A class of the boot layer, not initialised, or null.
     *
     * @param name its binary name
     * @return the class, or null
     */
    public static Class<?> bootClass(String name) {
        try {
            return Class.forName(name, false, null);
        } catch (ClassNotFoundException | LinkageError e) {
            return null;
        }
    }

    /**
     * In {@link Mode#CHILD_ONLY}, marks Unsafe's warning as given, so that the calls that follow print
     * nothing; {@link #endQuiet()} marks it back. Elsewhere nothing. Child only.
     */
    public static void beginQuiet() throws IllegalAccessException {
        if (WARNED != null) {
            WARNED.setBoolean(null, true);
        }
    }

    /** Undoes {@link #beginQuiet()}: the child's own code sees Unsafe as the parent left it. */
    public static void endQuiet() throws IllegalAccessException {
        if (WARNED != null) {
            WARNED.setBoolean(null, false);
        }
    }

    /** @return an instance field's offset */
    public static long offset(Field field) {
        return UNSAFE.objectFieldOffset(field);
    }

    /** @return a static field's base */
    public static Object staticBase(Field field) {
        return UNSAFE.staticFieldBase(field);
    }

    /** @return a static field's offset */
    public static long staticOffset(Field field) {
        return UNSAFE.staticFieldOffset(field);
    }

    /** @return the reference at {@code offset} of {@code base}, read volatile */
    public static Object getObject(Object base, long offset) {
        return UNSAFE.getObjectVolatile(base, offset);
    }

    /** Writes a reference, volatile. */
    public static void putObject(Object base, long offset, Object value) {
        UNSAFE.putObjectVolatile(base, offset, value);
    }

    /** @return the int at {@code offset} of {@code base} */
    public static int getInt(Object base, long offset) {
        return UNSAFE.getInt(base, offset);
    }

    /** Writes an int. */
    public static void putInt(Object base, long offset, int value) {
        UNSAFE.putInt(base, offset, value);
    }

    /** @return the long at {@code offset} of {@code base} (at 0: an object's header word) */
    public static long getLong(Object base, long offset) {
        return UNSAFE.getLong(base, offset);
    }

    /** Writes a long. */
    public static void putLong(Object base, long offset, long value) {
        UNSAFE.putLong(base, offset, value);
    }
}
