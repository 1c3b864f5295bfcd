package dev.jfork.internal.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The streams of a child's stdio that is not piped to the parent, as {@code java.lang.Process} gives
 * them ({@code ProcessBuilder}'s class documentation): a null input stream, whose reads always return
 * -1 and whose {@code available} is 0, and a null output stream, whose writes always throw
 * {@code IOException}; closing either does nothing.
 */
public final class ProcessNullStreams {
    /** The child's stdout or stderr when not piped: the end of the stream at once, closed or not. */
    public static final InputStream INPUT = new InputStream() {
        @Override
        public int read() {
            return -1;
        }

        @Override
        public int available() {
            return 0;
        }
    };

    /** The child's stdin when not piped: nothing can be written to it, as the JDK says. */
    public static final OutputStream OUTPUT = new OutputStream() {
        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed");
        }
    };

    private ProcessNullStreams() {
    }
}
