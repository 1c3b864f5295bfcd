package dev.jfork.internal.call.loaded;

import java.io.Serializable;

/**
 * A value and an exception that {@code TaskLoadersTest} loads again in a class loader of its own.
 *
 * @param n a number
 */
public record Sample(int n) implements Serializable {
    /** An exception of the same loader. */
    public static final class Boom extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param message the message */
        public Boom(String message) {
            super(message);
        }
    }
}
