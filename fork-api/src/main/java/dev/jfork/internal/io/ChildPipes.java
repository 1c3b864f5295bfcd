package dev.jfork.internal.io;

import dev.jfork.internal.launch.ChildWatch;
import java.io.InputStream;
import java.io.OutputStream;

/** A child's pipes at its end: each takes what is already there and keeps the rest readable, never blocking. */
public final class ChildPipes {
    private ChildPipes() {
    }

    /**
     * Tells the child's pipes it has ended, on one of jfork's callback threads (never the reaper, which
     * holds the fork lock); with no pipe, no thread is woken. Nothing there blocks: a pipe a grandchild
     * still holds keeps its descriptor, and the rest stays readable from the stream.
     *
     * @param stdin the child's stdin stream
     * @param stdout its stdout stream
     * @param stderr its stderr stream
     */
    public static void childEnded(OutputStream stdin, InputStream stdout, InputStream stderr) {
        if (stdout instanceof ChildOutputPipe || stderr instanceof ChildOutputPipe || stdin instanceof ChildInputPipe) {
            ChildWatch.CALLBACKS.execute(() -> {
                if (stdout instanceof ChildOutputPipe) {
                    ((ChildOutputPipe) stdout).childEnded();
                }
                if (stderr instanceof ChildOutputPipe) {
                    ((ChildOutputPipe) stderr).childEnded();
                }
                if (stdin instanceof ChildInputPipe) {
                    ((ChildInputPipe) stdin).childEnded();
                }
            });
        }
    }
}
