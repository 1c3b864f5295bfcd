package dev.jfork.internal.vm;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Remembers, per class, that something was done for it once, without keeping the class (or its loader)
 * reachable: the mark lives with the class itself ({@link ClassValue}), and goes with it when its loader
 * is collected. Two classes of one name from two loaders are two classes here.
 */
final class ClassOnce extends ClassValue<AtomicBoolean> {
    @Override
    protected AtomicBoolean computeValue(Class<?> type) {
        return new AtomicBoolean();
    }

    /**
     * @param type the class
     * @return true the first time it is asked for {@code type}, false after
     */
    boolean first(Class<?> type) {
        return get(type).compareAndSet(false, true);
    }
}
