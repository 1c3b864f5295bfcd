package dev.jfork.conformance.plugin;

import java.io.Serializable;
import java.util.concurrent.Callable;
import java.util.function.Function;

/**
 * A task as a plugin or an application server would hand it to jfork: the kit loads this class, with
 * the classes declared beside it, in a class loader of its own ({@code CallResultKit}), so that its
 * result's and exception's classes exist in that loader only. As a pool's function, it moves a
 * {@link Point} by one, and throws {@link Refused} for anything else.
 */
public final class PluginTask implements Callable<Object>, Function<Object, Object> {
    private final String mode;

    /**
     * @param mode {@code "point"}: returns a {@link Point}; {@code "throw"}: throws {@link Refused};
     *     {@code "plain"}: returns 42
     */
    public PluginTask(String mode) {
        this.mode = mode;
    }

    @Override
    public Object call() {
        switch (mode) {
            case "point":
                return new Point(1, 2);
            case "throw":
                throw new Refused("refused by the plugin");
            default:
                return 42;
        }
    }

    @Override
    public Object apply(Object argument) {
        if (argument instanceof Point) {
            Point p = (Point) argument;
            return new Point(p.x() + 1, p.y() + 1);
        }
        throw new Refused("refused " + argument);
    }

    /**
     * A result type of the plugin's own.
     *
     * @param x one coordinate
     * @param y the other
     */
    public record Point(int x, int y) implements Serializable {
    }

    /** An exception type of the plugin's own. */
    public static final class Refused extends RuntimeException {
        private static final long serialVersionUID = 1L;

        /** @param message the message */
        public Refused(String message) {
            super(message);
        }
    }
}
