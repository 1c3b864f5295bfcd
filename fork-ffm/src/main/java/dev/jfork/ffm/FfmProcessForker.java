package dev.jfork.ffm;

import dev.jfork.spi.MemoryAdvice;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.Platform;
import dev.jfork.spi.ProcessForker;
import dev.jfork.spi.ThreadStartCalls;
import java.util.Optional;

/**
 * The FFM backend ({@code ffm}): libc through the JDK's Foreign Function and Memory API
 * ({@code java.lang.foreign}, final in JDK 22), no native library of ours and no third-party jar.
 *
 * <p>This class is compiled for JDK 17, so that {@link java.util.ServiceLoader} can load it on any
 * JDK jfork supports; on a JDK older than 22 the backend is listed as unavailable with the reason, as
 * it is on 22+ when the jar was built on a JDK before 22 (it then holds this class only).
 * On 22 or later it hands every call to {@code dev.jfork.ffm.internal.FfmBackend}, compiled for
 * JDK 22 and loaded by reflection only then.
 *
 * <p>{@link NativeSpawn}: {@link #spawn} starts a program with {@code posix_spawnp}, the child
 * entirely in libc. It is not {@code NativeChildPaths}: with no C of ours, a child made by a
 * {@code fork} downcall returns into Java, so it could not keep that interface's promise of a child
 * that runs no Java. jfork's children on ffm take the safe Java path instead (pre-warm, start
 * handshake, watchdog), as on jnr and jna.
 */
public final class FfmProcessForker implements ProcessForker, NativeSpawn, MemoryAdvice {
    /** The first JDK on which the Foreign Function and Memory API is final. */
    public static final int REQUIRED_FEATURE = 22;

    private static final String IMPLEMENTATION = "dev.jfork.ffm.internal.FfmBackend";

    /** Cheap and never throws: nothing is bound until the backend is first used or asked about. */
    public FfmProcessForker() {
    }

    @Override
    public String name() {
        return "ffm";
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(Holder.CAUSE);
    }

    private static Delegate impl() {
        Delegate d = Holder.IMPL;
        if (d == null) {
            Throwable cause = Holder.CAUSE;
            throw new IllegalStateException("the ffm backend is unavailable: " + cause.getMessage(), cause);
        }
        return d;
    }

    @Override
    public int fork() {
        return impl().posix.fork();
    }

    @Override
    public int getpid() {
        return impl().posix.getpid();
    }

    @Override
    public int getppid() {
        return impl().posix.getppid();
    }

    @Override
    public void _exit(int status) {
        impl().posix._exit(status);
    }

    @Override
    public void warmUpExit(int value) {
        impl().posix.warmUpExit(value);
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        return impl().posix.waitpid(pid, status, options);
    }

    @Override
    public void awaitExitWithoutReaping(int pid) {
        impl().posix.awaitExitWithoutReaping(pid);
    }

    @Override
    public void kill(int pid, int signal) {
        impl().posix.kill(pid, signal);
    }

    @Override
    public int pidfdOpen(int pid) {
        return impl().posix.pidfdOpen(pid);
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        impl().posix.pidfdSendSignal(pidfd, signal);
    }

    @Override
    public boolean signalIgnored(int signal) {
        return impl().posix.signalIgnored(signal);
    }

    @Override
    public int poll(int fd, int events, int timeoutMillis) {
        return impl().posix.poll(fd, events, timeoutMillis);
    }

    @Override
    public int[] pipe() {
        return impl().posix.pipe();
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        return impl().posix.read(fd, buffer, length);
    }

    @Override
    public int write(int fd, byte[] buffer, int length) {
        return impl().posix.write(fd, buffer, length);
    }

    @Override
    public void close(int fd) {
        impl().posix.close(fd);
    }

    @Override
    public int open(String path, int flags, int mode) {
        return impl().posix.open(path, flags, mode);
    }

    @Override
    public void dup2(int oldFd, int newFd) {
        impl().posix.dup2(oldFd, newFd);
    }

    @Override
    public void execv(String path, String[] argv) {
        impl().posix.execv(path, argv);
    }

    @Override
    public void execvp(String file, String[] argv) {
        impl().posix.execvp(file, argv);
    }

    @Override
    public int alarm(int seconds) {
        return impl().posix.alarm(seconds);
    }

    @Override
    public void resetSignal(int signal) {
        impl().posix.resetSignal(signal);
    }

    @Override
    public void setParentDeathSignal(int signal) {
        impl().posix.setParentDeathSignal(signal);
    }

    @Override
    public void closeOnExecFrom(int lowestFd) {
        impl().posix.closeOnExecFrom(lowestFd);
    }

    /**
     * {@inheritDoc}
     *
     * <p>On JDK 22+, downcall handles of {@code mmap}, {@code mprotect} and the {@code pthread_*} functions;
     * null on an older JDK or where libc lacks them.
     */
    @Override
    public ThreadStartCalls threadStartCalls() {
        return Holder.IMPL == null ? null : Holder.IMPL.posix.threadStartCalls();
    }

    @Override
    public void madvise(long address, long length, int advice) {
        impl().advice.madvise(address, length, advice);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        return impl().spawn.spawn(argv, stdinFd, stdoutFd, stderrFd);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory,
                     String[] environment) {
        return impl().spawn.spawn(argv, stdinFd, stdoutFd, stderrFd, directory, environment);
    }

    @Override
    public String toString() {
        Throwable cause = Holder.CAUSE;
        return "ffm backend (" + (cause == null ? "available" : "unavailable: " + cause.getMessage()) + ")";
    }

    /** The JDK 22 implementation, seen as each SPI interface it implements. */
    private static final class Delegate {
        private final ProcessForker posix;
        private final NativeSpawn spawn;
        private final MemoryAdvice advice;

        Delegate(Object impl) {
            this.posix = (ProcessForker) impl;
            this.spawn = (NativeSpawn) impl;
            this.advice = (MemoryAdvice) impl;
        }
    }

    /** Checks the JDK and the platform, then loads and binds the implementation once; records why not. */
    private static final class Holder {
        static final Throwable CAUSE;
        static final Delegate IMPL;

        static {
            Throwable cause = null;
            Delegate impl = null;
            int feature = Runtime.version().feature();
            if (feature < REQUIRED_FEATURE) {
                cause = new UnsupportedOperationException("the ffm backend needs JDK " + REQUIRED_FEATURE
                    + "+ (running " + Runtime.version() + ")");
            } else {
                try {
                    Platform.requireSupported("ffm");
                    impl = new Delegate(Class.forName(IMPLEMENTATION, true, FfmProcessForker.class.getClassLoader())
                        .getDeclaredConstructor().newInstance());
                } catch (UnsupportedOperationException e) {
                    cause = e;
                } catch (ClassNotFoundException e) {
                    cause = new UnsupportedOperationException("this fork-ffm jar holds the provider only: it was"
                        + " built on a JDK before " + REQUIRED_FEATURE + ", which cannot compile the backend;"
                        + " build fork-ffm on JDK " + REQUIRED_FEATURE + "+ to use it (running "
                        + Runtime.version() + ")", e);
                } catch (java.lang.reflect.InvocationTargetException e) {
                    cause = e.getCause();
                } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
                    cause = new IllegalStateException("the ffm backend could not bind libc: " + e, e);
                }
            }
            CAUSE = cause;
            IMPL = cause == null ? impl : null;
        }

        private Holder() {
        }
    }
}
