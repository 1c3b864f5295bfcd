package dev.jfork.spi;

import dev.jfork.ErrnoException;

/**
 * An optional capability of a {@link ProcessForker}: starting a program without forking the JVM, so
 * that its cost does not grow with the heap. {@link dev.jfork.Forker#exec} uses it when the backend
 * has it. Every backend of jfork has it; jni in its own C, jnr and jna through {@link PosixSpawn}.
 */
public interface NativeSpawn {

    /**
     * Starts {@code argv} in a new process without copying the parent's page tables
     * ({@code posix_spawnp} or a vfork-style clone): its stdin, stdout and stderr are the given
     * descriptors ({@code -1} inherits the parent's), every other descriptor is closed, its signal
     * mask is empty and SIGTERM, SIGINT, SIGHUP are at their default action.
     *
     * @param argv the program, searched in {@code PATH}, and its arguments
     * @param stdinFd the child's fd 0, or -1
     * @param stdoutFd the child's fd 1, or -1
     * @param stderrFd the child's fd 2, or -1
     * @return the child's pid
     * @throws ErrnoException with the exec's errno (e.g. ENOENT, EACCES) when the program could not
     *     be started; the failed child has then been reaped
     */
    int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd);

    /**
     * {@link #spawn(String[], int, int, int)} with a working directory
     * ({@code posix_spawn_file_actions_addchdir_np}, glibc 2.29+) and an environment of the child's
     * own. A default, so that a backend written before it still compiles: it takes neither; every
     * backend of jfork's overrides it.
     *
     * @param argv the program, searched in this process's {@code PATH}, and its arguments
     * @param stdinFd the child's fd 0, or -1
     * @param stdoutFd the child's fd 1, or -1
     * @param stderrFd the child's fd 2, or -1
     * @param directory the child's working directory, or null for this process's
     * @param environment the child's whole environment as {@code NAME=value} strings, or null for
     *     this process's
     * @return the child's pid
     * @throws ErrnoException as for the other {@code spawn}; a directory that does not exist or
     *     cannot be entered gives its errno (ENOENT, ENOTDIR, EACCES) the same way
     * @throws UnsupportedOperationException when the backend takes no directory or environment
     */
    default int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory,
                      String[] environment) {
        if (directory == null && environment == null) {
            return spawn(argv, stdinFd, stdoutFd, stderrFd);
        }
        throw new UnsupportedOperationException("this backend's spawn takes no working directory or environment"
            + " (implement NativeSpawn.spawn with six arguments)");
    }
}
