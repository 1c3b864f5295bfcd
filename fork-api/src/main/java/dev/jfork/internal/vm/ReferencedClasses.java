package dev.jfork.internal.vm;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Loads in the parent every class that a task's bytecode names, so that the child defines none of them.
 * Measured (JDK 17, gdb): a task whose lambda used {@code java.util.zip.Adler32}, a class the parent had
 * never loaded, deadlocked its child in {@code ClassLoader.findBootstrapClass ->
 * SystemDictionary::define_instance_class -> Deoptimization::deoptimize_all_marked -> Handshake::execute
 * -> VMThread::wait_until_executed}: the new class broke an assumption the parent's compiled code had
 * made about the class hierarchy ({@code Checksum} had one implementation), and deoptimising needs the
 * VM thread. Loaded in the parent first, the parent deoptimises instead, and the child defines nothing.
 *
 * <p>The names come from the class files themselves, read with a small constant-pool parser: every
 * {@code CONSTANT_Class}, the class types in the descriptors of field and method references, of
 * {@code invokedynamic} sites (the functional interface of a lambda) and of method types, and the types
 * of the class's own fields and methods. JDK classes are loaded and initialised (their initialisers then
 * load what they use); other classes are loaded and linked, never initialised here, and the class files
 * of those from the task's own jar or directory (jfork's excepted; a library's are not) are read in
 * turn, up to {@value #MAX_BEYOND_NEST} beyond the nest and {@value #MAX_WALKED} in all per task: a
 * library such as a test's assertions names hundreds of classes (measured: 572 classes, 629 ms, for
 * the kit's test class when libraries were read too; 193-236 classes now, most of them named by the
 * test class itself). Each class file is read once per JVM.
 */
public final class ReferencedClasses {
    /** Class files read for one task at most: the task's nest, then what they name, breadth first. */
    static final int MAX_WALKED = 64;
    /** Class files read beyond the task's nest at most: helpers from the task's own jar or directory. */
    static final int MAX_BEYOND_NEST = 16;
    /** Marks on the classes themselves: no class loader is kept reachable, and no two classes share one. */
    private static final ClassOnce WALKED = new ClassOnce();
    private static final ClassOnce LOADED = new ClassOnce();
    private static final ClassOnce IMPLEMENTED = new ClassOnce();

    /**
     * The class names a class file mentions.
     *
     * @param all every class it names
     * @param lambdaTypes the interfaces its {@code invokedynamic} sites return: those of its lambdas
     */
    record Names(Set<String> all, Set<String> lambdaTypes) {
        static final Names NONE = new Names(Set.of(), Set.of());
    }

    private ReferencedClasses() {
    }

    /**
     * Loads what {@code classes} (a task's nest) name, and what the classes among those from the same
     * jar or directory name, up to {@value #MAX_BEYOND_NEST} class files beyond the nest.
     *
     * @param classes the classes whose bytecode the child will run
     */
    public static void of(Class<?>... classes) {
        ArrayDeque<Class<?>> queue = new ArrayDeque<>();
        for (Class<?> type : classes) {
            queue.add(type);
        }
        java.net.URL home = classes.length == 0 ? null : codeSource(classes[0]);
        int walked = 0;
        int limit = Math.min(classes.length + MAX_BEYOND_NEST, MAX_WALKED);
        while (!queue.isEmpty() && walked < limit) {
            Class<?> type = queue.poll();
            if (!WALKED.first(type)) {
                continue;
            }
            walked++;
            Names names = namesIn(type);
            for (String name : names.all()) {
                Class<?> named = load(name, type.getClassLoader());
                if (named != null && home != null && !isJfork(named) && home.equals(codeSource(named))) {
                    queue.add(named);
                }
            }
            for (String name : names.lambdaTypes()) {
                implementOnce(load(name, type.getClassLoader()));
            }
        }
    }

    /**
     * Defines, once per interface, a proxy class implementing {@code type}, when it is an interface.
     * A lambda or method reference first run in a child spins a hidden class implementing its interface;
     * when the parent had one implementation of that interface and compiled code that counted on it
     * being the only one, defining the second deadlocked the child (gdb: {@code
     * SystemDictionary::resolve_hidden_class_from_stream -> Deoptimization::deoptimize_all_marked ->
     * Handshake::execute}). With a second implementation defined here, the parent deoptimises instead,
     * and a third, in the child, breaks no assumption.
     */
    private static void implementOnce(Class<?> type) {
        if (type == null || !type.isInterface() || type.isHidden() || type.isSealed() || type.isAnnotation()
            || !IMPLEMENTED.first(type)) {
            return;
        }
        try {
            java.lang.reflect.Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type},
                (proxy, method, args) -> null);
        } catch (Throwable notProxiable) {
            // an interface a proxy cannot implement here: the child's lambda may still deadlock, and is
            // then reported deadlocked
        }
    }

    /** Where {@code type} was loaded from (its jar or directory); null for the JDK's classes. */
    private static java.net.URL codeSource(Class<?> type) {
        java.security.CodeSource source = type.getProtectionDomain().getCodeSource();
        return source == null ? null : source.getLocation();
    }

    /**
     * Loads {@code name} as {@code loader} sees it: a JDK class initialised (unless it reads configuration
     * there: {@link ClassPreload#readsConfigurationAtInit}), another linked; null if it fails.
     */
    private static Class<?> load(String name, ClassLoader loader) {
        if (name.startsWith("[")) {
            return null;
        }
        String binary = name.replace('/', '.');
        try {
            Class<?> type = Class.forName(binary, false, loader);
            if (!LOADED.first(type)) {
                return type;
            }
            if (isJdk(type) && !ClassPreload.readsConfigurationAtInit(binary)) {
                Class.forName(binary, true, loader);
            } else {
                // a user's class, or a JDK class whose initialiser reads the application's configuration:
                // HotSpot links a class before it lists its constructors; its initialiser stays unrun
                type.getDeclaredConstructors();
            }
            return type;
        } catch (Throwable notLoadable) {
            // missing here or failed: the child would meet the same
            return null;
        }
    }

    /** jfork's API and internals are loaded, never read: its child path is prepared by {@link PreWarm}. */
    private static boolean isJfork(Class<?> type) {
        String pkg = type.getPackageName();
        return pkg.equals("dev.jfork") || pkg.startsWith("dev.jfork.internal") || pkg.equals("dev.jfork.spi");
    }

    private static boolean isJdk(Class<?> type) {
        ClassLoader loader = type.getClassLoader();
        return loader == null || loader == ClassLoader.getPlatformClassLoader();
    }

    /**
     * The internal names ({@code java/util/List}) that {@code type}'s class file names; empty when its
     * class file cannot be read (a hidden class, or a loader that does not serve its resources).
     *
     * @param type the class
     * @return the names
     */
    static Names namesIn(Class<?> type) {
        if (type.isHidden() || type.isArray() || type.isPrimitive()) {
            return Names.NONE;
        }
        String file = type.getName().substring(type.getName().lastIndexOf('.') + 1) + ".class";
        try (InputStream in = type.getResourceAsStream(file)) {
            return in == null ? Names.NONE : parse(new DataInputStream(in));
        } catch (IOException | RuntimeException unreadable) {
            return Names.NONE;
        }
    }

    /** Reads a class file's constant pool, fields and methods for the class names they mention. */
    static Names parse(DataInputStream in) throws IOException {
        if (in.readInt() != 0xCAFEBABE) {
            return Names.NONE;
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        int count = in.readUnsignedShort();
        String[] utf8 = new String[count];
        int[] classes = new int[count];
        int[] descriptors = new int[count];
        int[] nameAndTypes = new int[count];
        int[] indys = new int[count];
        int nClasses = 0;
        int nDescriptors = 0;
        int nIndys = 0;
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> utf8[i] = in.readUTF();
                case 7 -> classes[nClasses++] = in.readUnsignedShort();
                case 16 -> descriptors[nDescriptors++] = in.readUnsignedShort();
                case 12 -> {
                    in.readUnsignedShort();
                    nameAndTypes[i] = in.readUnsignedShort();
                    descriptors[nDescriptors++] = nameAndTypes[i];
                }
                case 18 -> {
                    in.readUnsignedShort();
                    indys[nIndys++] = in.readUnsignedShort();
                }
                case 8, 19, 20 -> in.readUnsignedShort();
                case 3, 4, 9, 10, 11, 17 -> in.readInt();
                case 15 -> {
                    in.readUnsignedByte();
                    in.readUnsignedShort();
                }
                case 5, 6 -> {
                    in.readLong();
                    i++;
                }
                default -> throw new IOException("constant pool tag " + tag);
            }
        }
        in.readUnsignedShort();
        in.readUnsignedShort();
        in.readUnsignedShort();
        int interfaces = in.readUnsignedShort();
        for (int i = 0; i < interfaces; i++) {
            in.readUnsignedShort();
        }
        Set<String> names = new LinkedHashSet<>();
        for (int member = 0; member < 2; member++) {
            int members = in.readUnsignedShort();
            for (int m = 0; m < members; m++) {
                in.readUnsignedShort();
                in.readUnsignedShort();
                typesIn(utf8[in.readUnsignedShort()], names);
                int attributes = in.readUnsignedShort();
                for (int a = 0; a < attributes; a++) {
                    in.readUnsignedShort();
                    in.skipNBytes(in.readInt() & 0xFFFFFFFFL);
                }
            }
        }
        for (int i = 0; i < nClasses; i++) {
            String name = utf8[classes[i]];
            if (name != null && name.startsWith("[")) {
                typesIn(name, names);
            } else if (name != null) {
                names.add(name);
            }
        }
        for (int i = 0; i < nDescriptors; i++) {
            typesIn(utf8[descriptors[i]], names);
        }
        Set<String> lambdaTypes = new LinkedHashSet<>();
        for (int i = 0; i < nIndys; i++) {
            String descriptor = utf8[nameAndTypes[indys[i]]];
            int returns = descriptor == null ? -1 : descriptor.lastIndexOf(")L");
            if (returns >= 0 && descriptor.endsWith(";")) {
                lambdaTypes.add(descriptor.substring(returns + 2, descriptor.length() - 1));
            }
        }
        return new Names(names, lambdaTypes);
    }

    /** Adds the class names in a field or method descriptor ({@code (I[Ljava/lang/String;)V}). */
    private static void typesIn(String descriptor, Set<String> names) {
        if (descriptor == null) {
            return;
        }
        int at = descriptor.indexOf('L');
        while (at >= 0) {
            int end = descriptor.indexOf(';', at);
            if (end < 0) {
                return;
            }
            names.add(descriptor.substring(at + 1, end));
            at = descriptor.indexOf('L', end);
        }
    }
}
