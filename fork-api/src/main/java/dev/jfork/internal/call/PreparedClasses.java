package dev.jfork.internal.call;

import dev.jfork.internal.vm.ClassPreload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The classes that a pool's messages carry, made ready in the parent, and a generation that grows each
 * time a new one is. A child forked at generation {@code g} has every class seen up to {@code g} loaded,
 * initialised and described for serialisation; one forked earlier would have to do that itself, which
 * can hang, so it is retired rather than used.
 */
public final class PreparedClasses {
    private final Set<Class<?>> ready = ConcurrentHashMap.newKeySet();
    private final AtomicLong generation = new AtomicLong();
    private final TaskLoaders loaders;

    /** @param loaders the pool function's class loaders, which resolve the classes its messages carry */
    public PreparedClasses(TaskLoaders loaders) {
        this.loaders = loaders;
    }

    /** @return the pool function's class loaders */
    public TaskLoaders loaders() {
        return loaders;
    }

    /** @return the current generation */
    public long generation() {
        return generation.get();
    }

    /**
     * Reads a value message ({@link CallProtocol#isValue}) here, in the parent, noting each class in it; a class not
     * seen before is prepared and moves the generation on.
     *
     * @param message the message, tag included
     * @return the value it holds
     * @throws IOException when it cannot be read
     * @throws ClassNotFoundException when one of its classes cannot be found
     */
    public Object read(byte[] message) throws IOException, ClassNotFoundException {
        if (CallProtocol.isPlain(message)) {
            // JDK types only: nothing to prepare
            return CallProtocol.deserialize(message);
        }
        try (ObjectInputStream in = loaders.input(new ByteArrayInputStream(message, 1, message.length - 1), this::note)) {
            return in.readObject();
        }
    }

    /**
     * Prepares, here in the parent, the classes a value message carries, as {@link #read} does, but
     * without reading the value back: no {@code readObject} or {@code readResolve} (user code) runs. Each
     * is resolved by name as a child resolves it, with the pool function's loaders.
     *
     * @param carried the classes whose descriptions the message holds ({@link CallProtocol#encodeValue(Object,
     *     java.util.function.Consumer)})
     * @throws ClassNotFoundException when one of them cannot be found by those loaders
     */
    public void prepare(Iterable<Class<?>> carried) throws ClassNotFoundException {
        for (Class<?> type : carried) {
            Class<?> resolved;
            try {
                resolved = loaders.load(type.getName());
            } catch (ClassNotFoundException notFound) {
                // a class only the stack's latest user loader knows, as ObjectInputStream resolves it
                if (type.getClassLoader() == null) {
                    throw notFound;
                }
                resolved = type;
            }
            note(resolved);
        }
    }

    /**
     * Prepares {@code type} (and its nest) if it was not yet.
     *
     * @param type the class
     */
    public void note(Class<?> type) {
        if (!ready.contains(type)) {
            ClassPreload.preload(type);
            if (ready.add(type)) {
                generation.incrementAndGet();
            }
        }
    }
}
