package dev.jfork;

import java.util.function.IntSupplier;

/**
 * A system call failed. Carries the operation, the errno number and its symbolic name.
 *
 * <p>The message reads like {@code "waitpid(pid=1234) failed: ECHILD (errno 10): No child processes"}.
 */
public class ErrnoException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @serial the failed operation, with its arguments */
    private final String operation;
    /** @serial the error number */
    private final int errno;

    /**
     * Creates the exception.
     *
     * @param operation the call and its key arguments, e.g. {@code "kill(pid=12, sig=15)"}
     * @param errno the errno value the call set
     */
    public ErrnoException(String operation, int errno) {
        super(operation + " failed: " + Errno.name(errno) + " (errno " + errno + "): " + Errno.message(errno));
        this.operation = operation;
        this.errno = errno;
    }

    /**
     * Returns {@code result} when it is not negative, and otherwise throws for {@code errno}. This is
     * the one place where a backend's {@code -1} turns into an exception.
     *
     * @param result what the native call returned
     * @param operation the call, for the message
     * @param errno reads the calling thread's errno; asked only on failure
     * @return {@code result}
     * @throws ErrnoException when {@code result < 0}
     */
    public static int check(int result, String operation, IntSupplier errno) {
        if (result < 0) {
            throw new ErrnoException(operation, errno.getAsInt());
        }
        return result;
    }

    /**
     * The failed operation, with its key arguments.
     *
     * @return e.g. {@code "waitpid(pid=1234)"}
     */
    public String operation() {
        return operation;
    }

    /**
     * The errno number.
     *
     * @return e.g. 10
     */
    public int errno() {
        return errno;
    }

    /**
     * The symbolic errno name.
     *
     * @return e.g. {@code "ECHILD"}
     */
    public String errnoName() {
        return Errno.name(errno);
    }
}
