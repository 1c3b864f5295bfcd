package dev.jfork;

import dev.jfork.spi.ProcessForker;

/** The Java child path of {@link Forker#forkPrintingPid}: one {@code write} of prefix, pid, suffix to fd 1. */
final class PrintPidBody implements ChildTask {
    private final ProcessForker backend;
    private final byte[] prefix;
    private final byte[] suffix;
    private final int fd;

    PrintPidBody(ProcessForker backend, byte[] prefix, byte[] suffix, int fd) {
        this.fd = fd;
        this.backend = backend;
        this.prefix = prefix;
        this.suffix = suffix;
    }

    @Override
    public int run() throws Exception {
        byte[] digits = new byte[12];
        int at = digits.length;
        int pid = backend.getpid();
        do {
            digits[--at] = (byte) ('0' + pid % 10);
            pid /= 10;
        } while (pid > 0);
        byte[] line = new byte[prefix.length + digits.length - at + suffix.length];
        System.arraycopy(prefix, 0, line, 0, prefix.length);
        System.arraycopy(digits, at, line, prefix.length, digits.length - at);
        System.arraycopy(suffix, 0, line, line.length - suffix.length, suffix.length);
        Forker.writeFully(backend, fd, line);
        return 0;
    }
}
