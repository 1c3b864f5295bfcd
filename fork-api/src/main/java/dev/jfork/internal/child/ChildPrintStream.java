package dev.jfork.internal.child;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * A child's {@code System.out} or {@code System.err}. Every print method is its own code, writing
 * encoded bytes straight to the descriptor: none of {@link PrintStream}'s internal methods runs, so
 * the child never executes JDK code that another parent thread was making hot (or the JIT was
 * compiling) at the fork. Measured: a child whose {@code println} went through those methods hung in
 * {@code CompileBroker::compile_method_base} and {@code Method::build_interpreter_method_data}.
 */
public final class ChildPrintStream extends PrintStream {
    private static final byte[] LINE = System.lineSeparator().getBytes(Charset.defaultCharset());

    private final OutputStream fd;
    private final Charset charset;
    private boolean failed;

    public ChildPrintStream(OutputStream fd, Charset charset) {
        super(OutputStream.nullOutputStream(), false, charset);
        this.fd = fd;
        this.charset = charset;
    }

    private void emit(String s, boolean newline) {
        try {
            byte[] bytes = s.getBytes(charset);
            if (newline) {
                byte[] line = new byte[bytes.length + LINE.length];
                System.arraycopy(bytes, 0, line, 0, bytes.length);
                System.arraycopy(LINE, 0, line, bytes.length, LINE.length);
                bytes = line;
            }
            fd.write(bytes, 0, bytes.length);
        } catch (IOException e) {
            failed = true;
        }
    }

    @Override
    public void write(int b) {
        try {
            fd.write(b);
        } catch (IOException e) {
            failed = true;
        }
    }

    @Override
    public void write(byte[] buf, int off, int len) {
        try {
            fd.write(buf, off, len);
        } catch (IOException e) {
            failed = true;
        }
    }

    @Override
    public void write(byte[] buf) {
        write(buf, 0, buf.length);
    }

    @Override
    public void flush() {
        try {
            fd.flush();
        } catch (IOException e) {
            failed = true;
        }
    }

    @Override
    public void close() {
        flush();
    }

    @Override
    public boolean checkError() {
        return failed;
    }

    @Override
    public void print(String s) {
        emit(String.valueOf(s), false);
    }

    @Override
    public void print(Object obj) {
        emit(String.valueOf(obj), false);
    }

    @Override
    public void print(char[] s) {
        emit(new String(s), false);
    }

    @Override
    public void print(char c) {
        emit(String.valueOf(c), false);
    }

    @Override
    public void print(boolean b) {
        emit(String.valueOf(b), false);
    }

    @Override
    public void print(int i) {
        emit(String.valueOf(i), false);
    }

    @Override
    public void print(long l) {
        emit(String.valueOf(l), false);
    }

    @Override
    public void print(float f) {
        emit(String.valueOf(f), false);
    }

    @Override
    public void print(double d) {
        emit(String.valueOf(d), false);
    }

    @Override
    public void println() {
        emit("", true);
    }

    @Override
    public void println(String s) {
        emit(String.valueOf(s), true);
    }

    @Override
    public void println(Object obj) {
        emit(String.valueOf(obj), true);
    }

    @Override
    public void println(char[] s) {
        emit(new String(s), true);
    }

    @Override
    public void println(char c) {
        emit(String.valueOf(c), true);
    }

    @Override
    public void println(boolean b) {
        emit(String.valueOf(b), true);
    }

    @Override
    public void println(int i) {
        emit(String.valueOf(i), true);
    }

    @Override
    public void println(long l) {
        emit(String.valueOf(l), true);
    }

    @Override
    public void println(float f) {
        emit(String.valueOf(f), true);
    }

    @Override
    public void println(double d) {
        emit(String.valueOf(d), true);
    }

    @Override
    public PrintStream append(CharSequence csq) {
        emit(String.valueOf(csq), false);
        return this;
    }

    @Override
    public PrintStream append(CharSequence csq, int start, int end) {
        emit(String.valueOf(csq == null ? "null" : csq).substring(start, end), false);
        return this;
    }

    @Override
    public PrintStream append(char c) {
        emit(String.valueOf(c), false);
        return this;
    }
}
