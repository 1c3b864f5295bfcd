package dev.jfork.internal.call;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * The class loaders that a task's results, exceptions and arguments are resolved with, in this order: the
 * task's own ({@code task.getClass().getClassLoader()}: a record declared beside it, under the source
 * launcher, a plugin's or an application server's loader, Spring Boot's executable-jar loader), then the
 * context loader of the thread that handed the task to jfork, then jfork's own. Made where the task is
 * given to jfork, in the parent.
 */
public final class TaskLoaders {
    /** jfork's own loader alone: for messages of jfork's own, and warm-up. */
    public static final TaskLoaders JFORK = new TaskLoaders(new ClassLoader[] {TaskLoaders.class.getClassLoader()});

    private final ClassLoader[] loaders;

    private TaskLoaders(ClassLoader[] loaders) {
        this.loaders = loaders;
    }

    /**
     * The loaders for {@code task}, with the calling thread's context loader.
     *
     * @param task the user's task (a lambda, an anonymous or a named class)
     * @return its loaders
     */
    public static TaskLoaders of(Object task) {
        List<ClassLoader> list = new ArrayList<>(3);
        add(list, task.getClass().getClassLoader());
        add(list, Thread.currentThread().getContextClassLoader());
        add(list, TaskLoaders.class.getClassLoader());
        return new TaskLoaders(list.toArray(new ClassLoader[0]));
    }

    private static void add(List<ClassLoader> list, ClassLoader loader) {
        // null is the boot loader, which every other one asks first
        if (loader != null && !list.contains(loader)) {
            list.add(loader);
        }
    }

    /**
     * Finds {@code name} with the first of these loaders that has it, without initialising it.
     *
     * @param name a binary class name
     * @return the class
     * @throws ClassNotFoundException when none has it; the message names the loaders tried
     */
    public Class<?> load(String name) throws ClassNotFoundException {
        ClassNotFoundException first = null;
        for (ClassLoader loader : loaders) {
            try {
                return Class.forName(name, false, loader);
            } catch (ClassNotFoundException e) {
                first = first == null ? e : first;
            }
        }
        if (loaders.length == 0) {
            return Class.forName(name, false, null);
        }
        // no string concatenation (invokedynamic) and no loader's toString (user code): a pool child runs this
        StringBuilder message = new StringBuilder(name.length() + 200).append(name)
            .append(" (found neither by the task's class loader, nor the caller's context class loader, nor jfork's:");
        for (ClassLoader loader : loaders) {
            message.append(' ').append(loader.getClass().getName());
        }
        throw new ClassNotFoundException(message.append(')').toString(), first);
    }

    /**
     * An {@link ObjectInputStream} that resolves classes with these loaders.
     *
     * @param in the serialised bytes
     * @return the stream, its header read
     * @throws IOException when the header cannot be read
     */
    public ObjectInputStream input(InputStream in) throws IOException {
        return new Input(in, this, null);
    }

    /**
     * Like {@link #input(InputStream)}, telling {@code seen} each class it resolves.
     *
     * @param in the serialised bytes
     * @param seen told each class, as it is resolved
     * @return the stream, its header read
     * @throws IOException when the header cannot be read
     */
    public ObjectInputStream input(InputStream in, Consumer<Class<?>> seen) throws IOException {
        return new Input(in, this, seen);
    }

    /** Resolves with the task's loaders first; primitives and what they lack as {@code ObjectInputStream} does. */
    private static final class Input extends ObjectInputStream {
        private final TaskLoaders loaders;
        private final Consumer<Class<?>> seen;

        Input(InputStream in, TaskLoaders loaders, Consumer<Class<?>> seen) throws IOException {
            super(in);
            this.loaders = loaders;
            this.seen = seen;
        }

        @Override
        protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
            Class<?> type;
            try {
                type = loaders.load(desc.getName());
            } catch (ClassNotFoundException notFound) {
                // a primitive type's name, or a class only the stack's latest user loader knows
                try {
                    type = super.resolveClass(desc);
                } catch (ClassNotFoundException alsoNot) {
                    throw notFound;
                }
            }
            if (seen != null) {
                seen.accept(type);
            }
            return type;
        }
    }
}
