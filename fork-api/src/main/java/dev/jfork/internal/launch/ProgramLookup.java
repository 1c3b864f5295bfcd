package dev.jfork.internal.launch;

import dev.jfork.ErrnoException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;

/**
 * Finds the program that {@code posix_spawnp} would run, the way {@code execvp} searches, before any
 * child is started: a program that cannot be found is reported as ENOENT, one that is found but cannot be
 * run as EACCES, and no child exists.
 *
 * <p>{@code posix_spawnp} reports the exec's errno itself on a real kernel. This check makes the error the
 * same where it cannot: under qemu-user emulation the spawn's {@code CLONE_VM|CLONE_VFORK} runs as a plain
 * fork, the failed exec's errno stays in the child's copy of memory and the caller would get a child that
 * exits 127. A program found here can still fail to start (e.g. a file that is not a valid executable);
 * that failure remains the spawn's to report.
 */
final class ProgramLookup {
    /** glibc's search path when {@code PATH} is unset ({@code _CS_PATH}). */
    private static final String DEFAULT_PATH = "/bin:/usr/bin";
    private static final int ENOENT = 2;
    private static final int ENOTDIR = 20;
    private static final int EACCES = 13;

    private ProgramLookup() {}

    /**
     * Throws when {@code program} cannot be run, the way {@code execvp} would fail.
     *
     * @param program {@code argv[0]}: a path when it holds a {@code '/'}, else a name searched in {@code PATH}
     * @throws ErrnoException ENOENT when no such file is found, EACCES when one is found but none can be run
     */
    static void check(String program) {
        check(program, null);
    }

    /**
     * {@link #check(String)} for a program started in {@code directory}: the directory must be one that
     * can be entered, and a relative path with a {@code '/'} is looked up from it.
     *
     * @param program {@code argv[0]}
     * @param directory the child's working directory, or null for this process's
     * @throws ErrnoException ENOENT, ENOTDIR or EACCES for the directory, then as {@link #check(String)}
     */
    static void check(String program, String directory) {
        if (directory != null) {
            Path dir = Path.of(directory);
            int error = !Files.exists(dir) ? ENOENT : !Files.isDirectory(dir) ? ENOTDIR
                : !Files.isExecutable(dir) ? EACCES : 0;
            if (error != 0) {
                throw new ErrnoException("chdir(" + directory + ") for posix_spawnp(" + program + ")", error);
            }
            if (program.contains("/") && !program.startsWith("/")) {
                int e = errorOf(directory + "/" + program, false);
                if (e != 0) {
                    throw new ErrnoException("posix_spawnp(" + program + ") in " + directory, e);
                }
                return;
            }
        }
        int error = program.contains("/") ? errorOf(program, false) : searchError(program);
        if (error != 0) {
            String where = program.contains("/") ? "" : " (searched PATH=" + searchPath() + ")";
            throw new ErrnoException("posix_spawnp(" + program + ")" + where, error);
        }
    }

    private static int searchError(String name) {
        if (name.isEmpty()) {
            return ENOENT;
        }
        int error = ENOENT;
        for (String dir : searchPath().split(":", -1)) {
            int e = errorOf(dir.isEmpty() ? name : dir + "/" + name, true);
            if (e == 0) {
                return 0;
            }
            if (e == EACCES) {
                error = EACCES; // execvp goes on searching, and reports EACCES if nothing else runs
            }
        }
        return error;
    }

    /**
     * The errno an exec of {@code file} would fail with, or 0 when it may run. Where the answer is not
     * plainly ENOENT or EACCES (a path through a file, a loop of links), a path given by the caller is left
     * to the spawn ({@code 0}) and a {@code PATH} entry counts as not found, as {@code execvp} skips it.
     */
    private static int errorOf(String file, boolean searching) {
        Path path;
        try {
            path = Path.of(file);
        } catch (InvalidPathException e) {
            return searching ? ENOENT : 0;
        }
        if (Files.exists(path)) {
            return Files.isRegularFile(path) && Files.isExecutable(path) ? 0 : EACCES;
        }
        // ENOENT when the nearest existing ancestor is a directory; through a file it is ENOTDIR, and a
        // dangling link or a loop the spawn tells best
        Path at = path.toAbsolutePath();
        while (at != null && !Files.exists(at, LinkOption.NOFOLLOW_LINKS)) {
            at = at.getParent();
        }
        boolean plainlyMissing = at != null && !at.equals(path.toAbsolutePath()) && Files.isDirectory(at);
        return plainlyMissing || searching ? ENOENT : 0;
    }

    private static String searchPath() {
        String path = System.getenv("PATH");
        return path == null ? DEFAULT_PATH : path;
    }
}
