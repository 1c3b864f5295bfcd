package dev.jfork.internal.child;

import dev.jfork.ChildTask;
import dev.jfork.spi.ProcessForker;

/** The Java child path of {@code Forker.forkPrintingPid}: one {@code write} of prefix, pid, suffix to fd 1. */
public final class PrintPidBody implements ChildTask {
    private final ProcessForker backend;
    private final byte[] line;
    private final int prefixLength;
    private final byte[] suffix;
    private final int fd;

    /** Everything is allocated here, in the parent: the child only fills in the digits. */
    public PrintPidBody(ProcessForker backend, byte[] prefix, byte[] suffix, int fd) {
        this.backend = backend;
        this.line = new byte[prefix.length + 11 + suffix.length];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        this.prefixLength = prefix.length;
        this.suffix = suffix;
        this.fd = fd;
    }

    @Override
    public int run() throws Exception {
        int pid = backend.getpid();
        int digits = 1;
        for (int rest = pid / 10; rest > 0; rest /= 10) {
            digits++;
        }
        int at = prefixLength + digits;
        do {
            line[--at] = (byte) ('0' + pid % 10);
            pid /= 10;
        } while (pid > 0);
        System.arraycopy(suffix, 0, line, prefixLength + digits, suffix.length);
        int length = prefixLength + digits + suffix.length;
        int written = 0;
        while (written < length) {
            if (written > 0) {
                System.arraycopy(line, written, line, 0, length - written);
                length -= written;
            }
            written = backend.write(fd, line, length);
        }
        return 0;
    }
}
