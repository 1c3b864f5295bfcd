package dev.jfork.internal.child;

import java.io.InputStream;
import java.io.PrintStream;

/**
 * A Java child's {@code System.in}, {@code System.out} and {@code System.err}: new streams on fd 0, 1
 * and 2 that share no lock and no buffer with the parent's, made once in the parent and never used
 * there, so each child starts with a pristine copy and allocates nothing for them.
 */
public final class ChildStreams {
    public final InputStream in;
    public final PrintStream out;
    public final PrintStream err;

    /**
     * @param in the child's {@code System.in}
     * @param out its {@code System.out}
     * @param err its {@code System.err}
     */
    public ChildStreams(InputStream in, PrintStream out, PrintStream err) {
        this.in = in;
        this.out = out;
        this.err = err;
    }
}
