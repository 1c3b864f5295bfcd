package dev.jfork.internal.vm;

import java.io.IOException;
import java.io.ObjectStreamClass;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Loads in the parent the classes a child is likely to need, so that the child defines none. A class
 * defined for the first time in a child can invalidate compiled code, and deoptimising it needs a
 * handshake run by the VM thread, which the child does not have (gdb: {@code String.format} in a child
 * hung in {@code SystemDictionary::define_instance_class -> Deoptimization::deoptimize_all_marked ->
 * VMThread::wait_until_executed}; a record returned by {@code call} hung in {@code ObjectStreamClass.<init>}).
 * <ul>
 *   <li>once per JVM, the JDK's own class list ({@code $JAVA_HOME/lib/classlist}, about 1,200 classes
 *       in 30 ms), loaded and initialised, skipping what fails, except that classes whose initialisers
 *       read the application's configuration are only loaded ({@link #readsConfigurationAtInit});</li>
 *   <li>before each fork, once per class, the nest of the task's class (the class that wrote the
 *       lambda and every class declared beside it, records included) and, for its serialisable
 *       members, their serialisation metadata, and every class their bytecode names
 *       ({@link ReferencedClasses});</li>
 *   <li>on request ({@code Forker.preload}), the user's own classes.</li>
 * </ul>
 */
public final class ClassPreload {
    /** The nest hosts done: marked on the classes themselves, so that no class loader is kept reachable. */
    private static final ClassOnce DONE = new ClassOnce();
    /**
     * JDK classes that ordinary failures create and the class list lacks: the JVM builds them itself
     * (a reflective call that throws wraps it in {@code InvocationTargetException}), and the first one
     * in a child deadlocked it (gdb: {@code Exceptions::new_exception -> InstanceKlass::link_class_impl
     * -> Deoptimization::deoptimize_all_marked}).
     */
    private static final String[] FAILURE_PATHS = {
        "java.lang.reflect.InvocationTargetException", "java.lang.reflect.UndeclaredThrowableException",
        "java.lang.ExceptionInInitializerError", "java.lang.StackOverflowError", "java.lang.OutOfMemoryError",
        "java.lang.ArithmeticException", "java.lang.ArrayIndexOutOfBoundsException",
        "java.lang.StringIndexOutOfBoundsException", "java.lang.NegativeArraySizeException",
        "java.lang.ClassCastException", "java.lang.NumberFormatException", "java.lang.UnsupportedOperationException",
        "java.lang.CloneNotSupportedException", "java.lang.InterruptedException", "java.util.NoSuchElementException",
        "java.util.ConcurrentModificationException", "java.util.regex.PatternSyntaxException",
        "java.io.NotSerializableException", "java.io.InvalidClassException", "java.io.UncheckedIOException",
        "java.io.EOFException", "java.nio.file.NoSuchFileException", "java.nio.file.AccessDeniedException",
        "java.nio.file.FileAlreadyExistsException", "java.util.concurrent.ExecutionException",
        "java.util.concurrent.CompletionException", "java.util.concurrent.TimeoutException",
        "java.util.concurrent.CancellationException", "java.time.DateTimeException",
        "java.time.format.DateTimeParseException", "java.util.IllegalFormatException",
        "java.util.MissingFormatArgumentException", "java.util.UnknownFormatConversionException",
    };
    /**
     * Packages and classes of the class list that are loaded but not initialised: their static initialisers
     * read the application's configuration ({@code LogManager} picks {@code java.util.logging.manager} and
     * its config file; {@code InetAddressCachePolicy} the address cache's security properties), which the
     * application may set after its Forker was warmed up. A child that uses one first initialises it
     * itself.
     */
    private static final String[] CONFIGURED_AT_INIT = {
        "java.util.logging.", "sun.util.logging.", "jdk.internal.logger.", "java.net.Inet", "sun.net.",
    };
    private static volatile boolean jdkListLoaded;

    private ClassPreload() {
    }

    /** Loads and initialises the JDK's class list, once per JVM. */
    public static void jdkClassListOnce() {
        if (jdkListLoaded) {
            return;
        }
        synchronized (ClassPreload.class) {
            if (jdkListLoaded) {
                return;
            }
            jdkListLoaded = true;
            List<String> lines;
            try {
                lines = new java.util.ArrayList<>(
                    Files.readAllLines(Path.of(System.getProperty("java.home"), "lib", "classlist")));
            } catch (IOException | RuntimeException noList) {
                lines = new java.util.ArrayList<>();
            }
            for (String extra : FAILURE_PATHS) {
                lines.add(extra.replace('.', '/'));
            }
            for (String line : lines) {
                if (line.isEmpty() || line.charAt(0) == '@' || line.charAt(0) == '#') {
                    continue;
                }
                int space = line.indexOf(' ');
                String name = (space < 0 ? line : line.substring(0, space)).replace('/', '.');
                try {
                    Class.forName(name, !readsConfigurationAtInit(name), null);
                } catch (Throwable notLoadable) {
                    // not in this JDK's boot layer, or its initialiser failed: the child would fail alike
                }
            }
        }
    }

    /**
     * @param name a JDK class's binary name
     * @return whether its static initialiser reads configuration the application may set later
     */
    static boolean readsConfigurationAtInit(String name) {
        for (String prefix : CONFIGURED_AT_INIT) {
            if (name.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Loads the nest of {@code task}'s class, and the serialisation metadata of its serialisable members.
     *
     * @param task the user's task object (a lambda, an anonymous or a named class)
     */
    public static void nestOf(Object task) {
        Class<?> host = task.getClass().getNestHost();
        if (!DONE.first(host)) {
            return;
        }
        try {
            Class<?>[] members = host.getNestMembers();
            for (Class<?> member : members) {
                describe(member);
            }
            ReferencedClasses.of(members);
        } catch (RuntimeException | LinkageError notLoadable) {
            // a nest member that cannot be loaded here cannot be loaded in the child either
        }
    }

    /**
     * Loads and initialises {@code type}, its nest, and their serialisation metadata.
     *
     * @param type the class
     */
    public static void preload(Class<?> type) {
        try {
            Class.forName(type.getName(), true, type.getClassLoader());
        } catch (ClassNotFoundException hidden) {
            // a hidden class is loaded already
        }
        Class<?> host = type.getNestHost();
        if (DONE.first(host)) {
            Class<?>[] members = host.getNestMembers();
            for (Class<?> member : members) {
                describe(member);
            }
            ReferencedClasses.of(members);
        }
        describe(type);
    }

    private static void describe(Class<?> type) {
        if (Serializable.class.isAssignableFrom(type) && !type.isInterface() && !type.isHidden()) {
            try {
                ObjectStreamClass.lookup(type);
            } catch (RuntimeException | LinkageError notDescribable) {
                // serialising it in the child fails the same way, and says so
            }
        }
    }
}
