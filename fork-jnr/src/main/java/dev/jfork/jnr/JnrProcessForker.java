package dev.jfork.jnr;

import dev.jfork.ErrnoException;
import dev.jfork.spi.MemoryAdvice;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;
import dev.jfork.spi.ThreadStartCalls;
import java.util.Optional;

/**
 * The jnr backend of jfork: binds the SPI's POSIX primitives with
 * <a href="https://github.com/jnr/jnr-posix">jnr-posix</a> ({@code getpid},
 * {@code getppid}, {@code kill}, {@code read}, {@code write}, {@code close},
 * {@code dup2}) and with <a href="https://github.com/jnr/jnr-ffi">jnr-ffi</a> directly for the raw
 * round trip ({@code fork}, {@code waitpid}: no jnr-posix layer between the SPI and libc) and for what
 * jnr-posix lacks or does with too much Java for a forked child ({@code _exit}, {@code alarm},
 * {@code pipe2}, {@code signal}, {@code close_range} through {@code syscall}, {@code execv} and
 * {@code execvp} on a native {@code argv} built with {@code calloc} and {@code memcpy}, and the
 * {@code posix_spawnp} family behind {@link NativeSpawn}, driven by {@link dev.jfork.spi.PosixSpawn}).
 *
 * <p>The constructor does nothing. The native binding happens once per class loader, on first use
 * of any instance, and a failure to bind is kept as the {@linkplain #unavailabilityCause() cause of
 * unavailability}. Only Linux on x86_64 and aarch64 is supported.
 *
 * <p>This class is thin: each method is one native call (or a retry loop on {@code EINTR} for
 * {@code waitpid}) whose failure becomes an {@link ErrnoException}; nothing else. Instances are
 * stateless and thread-safe.
 */
public final class JnrProcessForker implements ProcessForker, NativeSpawn, MemoryAdvice {

    /** Binds on first access to the class, which is the first use of any instance. */
    private static final class Holder {
        static final JnrCalls CALLS;
        static final Throwable CAUSE;

        static {
            JnrCalls calls = null;
            Throwable cause = null;
            try {
                calls = JnrCalls.bind();
            } catch (UnsupportedOperationException unsupported) {
                cause = unsupported;
            } catch (Throwable t) {
                cause = new IllegalStateException("the jnr backend could not bind libc through jnr-posix/jnr-ffi: " + t, t);
            }
            CALLS = calls;
            CAUSE = cause;
        }

        private Holder() {
        }
    }

    /** Creates the backend; cheap, never throws, binds nothing. */
    public JnrProcessForker() {
    }

    private static JnrCalls calls() {
        JnrCalls calls = Holder.CALLS;
        if (calls == null) {
            throw new IllegalStateException("the jnr backend is unavailable: " + Holder.CAUSE.getMessage(), Holder.CAUSE);
        }
        return calls;
    }

    /**
     * {@inheritDoc}
     *
     * @return {@code "jnr"}
     */
    @Override
    public String name() {
        return "jnr";
    }

    /**
     * {@inheritDoc}
     *
     * <p>The first call binds the native functions (once for all instances).
     *
     * @return why jnr-posix or jnr-ffi could not be bound, or why this platform is not supported;
     *     empty when the backend is usable
     */
    @Override
    public Optional<Throwable> unavailabilityCause() {
        return Optional.ofNullable(Holder.CAUSE);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ErrnoException when {@code fork} fails, e.g. with {@code EAGAIN}
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int fork() {
        return calls().fork();
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int getpid() {
        return calls().getpid();
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int getppid() {
        return calls().getppid();
    }

    /**
     * {@inheritDoc}
     *
     * <p>Bound with jnr-ffi as {@code void _exit(int)}, the same shape as {@link #warmUpExit(int)}.
     *
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void _exit(int status) {
        calls().exit(status);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Calls libc's {@code srand(value)}, bound exactly like {@code _exit} ({@code void f(int)},
     * errno ignored). Only the C library's {@code rand()} sequence is affected, which the JVM does
     * not use.
     *
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void warmUpExit(int value) {
        calls().warmUpExit(value);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Retries while the call fails with {@code EINTR}.
     *
     * @throws ErrnoException when {@code waitpid} fails, e.g. {@code ECHILD} for a pid that is not
     *     an unreaped child
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int waitpid(int pid, int[] status, int options) {
        return calls().waitpid(pid, status, options);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void awaitExitWithoutReaping(int pid) {
        calls().awaitExitWithoutReaping(pid);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ErrnoException when {@code kill} fails, e.g. {@code EINVAL} for an invalid signal or
     *     {@code ESRCH} for no such process
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void kill(int pid, int signal) {
        calls().kill(pid, signal);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ErrnoException when {@code pipe2} fails, e.g. with {@code EMFILE}
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int[] pipe() {
        return calls().pipe();
    }

    /**
     * {@inheritDoc}
     *
     * @throws ErrnoException when {@code read} fails, e.g. with {@code EBADF}
     * @throws IndexOutOfBoundsException when {@code length} is negative or beyond the buffer
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int read(int fd, byte[] buffer, int length) {
        return calls().read(fd, buffer, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ErrnoException when {@code write} fails, e.g. with {@code EBADF} or {@code EPIPE}
     * @throws IndexOutOfBoundsException when {@code length} is negative or beyond the buffer
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int write(int fd, byte[] buffer, int length) {
        return calls().write(fd, buffer, length);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ErrnoException when {@code close} fails, e.g. with {@code EBADF}
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void close(int fd) {
        calls().close(fd);
    }

    /**
     * {@inheritDoc}
     *
     * @throws ErrnoException when {@code dup2} fails, e.g. with {@code EBADF}
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void dup2(int oldFd, int newFd) {
        calls().dup2(oldFd, newFd);
    }

    @Override
    public int open(String path, int flags, int mode) {
        return calls().open(path, flags, mode);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The path and the arguments are passed in UTF-8.
     *
     * @throws ErrnoException always, when it returns: e.g. {@code ENOENT} or {@code EACCES}
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void execv(String path, String[] argv) {
        calls().execv(path, argv);
    }

    /**
     * {@inheritDoc}
     *
     * <p>The program and the arguments are passed in UTF-8.
     *
     * @throws ErrnoException always, when it returns: e.g. {@code ENOENT} or {@code EACCES}
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void execvp(String file, String[] argv) {
        calls().execvp(file, argv);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int alarm(int seconds) {
        return calls().alarm(seconds);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Calls libc's {@code sigaction} with an action of zeros ({@code SIG_DFL}), made once in the parent.
     *
     * @throws ErrnoException when {@code sigaction} fails, e.g. {@code EINVAL} for SIGKILL or an
     *     invalid number
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void resetSignal(int signal) {
        calls().resetSignal(signal);
    }

    @Override
    public int pidfdOpen(int pid) {
        return calls().pidfdOpen(pid);
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        calls().pidfdSendSignal(pidfd, signal);
    }

    @Override
    public boolean signalIgnored(int signal) {
        return calls().signalIgnored(signal);
    }

    @Override
    public int poll(int fd, int events, int timeoutMillis) {
        return calls().poll(fd, events, timeoutMillis);
    }

    @Override
    public void setParentDeathSignal(int signal) {
        calls().setParentDeathSignal(signal);
    }

    @Override
    public void madvise(long address, long length, int advice) {
        calls().madvise(address, length, advice);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Calls the {@code close_range} system call (number 436) through libc's {@code syscall}, so
     * that no particular glibc version is needed; the kernel must be 5.11 or later.
     *
     * @throws ErrnoException when {@code close_range} fails, e.g. {@code ENOSYS} or {@code EINVAL}
     *     on a kernel too old for it or for {@code CLOSE_RANGE_CLOEXEC}
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public void closeOnExecFrom(int lowestFd) {
        calls().closeOnExecFrom(lowestFd);
    }

    /**
     * {@inheritDoc}
     *
     * <p>libc's {@code posix_spawnp} through {@link dev.jfork.spi.PosixSpawn}, as the jni backend does in C.
     *
     * @throws IllegalStateException when the backend is unavailable
     */
    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        return calls().spawn(argv, stdinFd, stdoutFd, stderrFd, null, null);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory,
                     String[] environment) {
        return calls().spawn(argv, stdinFd, stdoutFd, stderrFd, directory, environment);
    }

    /**
     * {@inheritDoc}
     *
     * <p>jnr-ffi's bindings of {@code mmap}, {@code mprotect} and the {@code pthread_*} functions, or null
     * when this backend or those functions cannot be bound.
     */
    @Override
    public ThreadStartCalls threadStartCalls() {
        return Holder.CAUSE == null ? JnrThreadCalls.INSTANCE : null;
    }

    /**
     * A short description.
     *
     * @return {@code "jnr backend (available)"} or {@code "jnr backend (unavailable: ...)"}
     */
    @Override
    public String toString() {
        Throwable cause = Holder.CAUSE;
        return "jnr backend (" + (cause == null ? "available" : "unavailable: " + cause.getMessage()) + ")";
    }
}
