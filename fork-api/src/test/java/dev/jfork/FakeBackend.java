package dev.jfork;

import dev.jfork.spi.ProcessForker;
import java.util.Optional;

/** A backend for selection tests: it has a name and an availability, and forks nothing. */
final class FakeBackend implements ProcessForker {
    private final String name;
    private final Throwable cause;
    /** How many times its availability was asked: for a real backend, the first time binds its native code. */
    private int asked;

    FakeBackend(String name, Throwable cause) {
        this.name = name;
        this.cause = cause;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        asked++;
        return Optional.ofNullable(cause);
    }

    /** @return how many times {@link #unavailabilityCause()} (or {@code isAvailable()}) was called */
    int asked() {
        return asked;
    }

    private static UnsupportedOperationException never() {
        return new UnsupportedOperationException("a selection test never calls native code");
    }

    @Override
    public int fork() {
        throw never();
    }

    @Override
    public int getpid() {
        throw never();
    }

    @Override
    public int getppid() {
        throw never();
    }

    @Override
    public void _exit(int status) {
        throw never();
    }

    @Override
    public void warmUpExit(int value) {
        throw never();
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        throw never();
    }

    @Override
    public void awaitExitWithoutReaping(int pid) {
        throw never();
    }

    @Override
    public void kill(int pid, int signal) {
        throw never();
    }

    @Override
    public int[] pipe() {
        throw never();
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        throw never();
    }

    @Override
    public int write(int fd, byte[] buffer, int length) {
        throw never();
    }

    @Override
    public void close(int fd) {
        throw never();
    }

    @Override
    public void dup2(int oldFd, int newFd) {
        throw never();
    }

    @Override
    public void execv(String path, String[] argv) {
        throw never();
    }

    @Override
    public void execvp(String file, String[] argv) {
        throw never();
    }

    @Override
    public int alarm(int seconds) {
        throw never();
    }

    @Override
    public void resetSignal(int signal) {
        throw never();
    }

    @Override
    public void setParentDeathSignal(int signal) {
        throw never();
    }

    @Override
    public void closeOnExecFrom(int lowestFd) {
        throw never();
    }
}
