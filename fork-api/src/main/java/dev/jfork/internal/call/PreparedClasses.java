package dev.jfork.internal.call;

import dev.jfork.internal.vm.ClassPreload;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectStreamClass;
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
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(message, 1, message.length - 1)) {
            @Override
            protected Class<?> resolveClass(ObjectStreamClass desc) throws IOException, ClassNotFoundException {
                Class<?> type = super.resolveClass(desc);
                note(type);
                return type;
            }
        }) {
            return in.readObject();
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
