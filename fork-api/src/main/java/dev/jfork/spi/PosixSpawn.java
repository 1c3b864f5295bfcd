package dev.jfork.spi;

import dev.jfork.ErrnoException;
import java.nio.charset.Charset;
import java.util.Objects;

/**
 * {@link NativeSpawn#spawn} written once for the backends that bind libc from Java (jnr, jna) on
 * {@link PosixSpawnCalls}: the same steps as the jni backend's C. {@code posix_spawnp} with
 * SIGTERM, SIGINT and SIGHUP at their default action ({@code POSIX_SPAWN_SETSIGDEF}), an empty
 * signal mask ({@code POSIX_SPAWN_SETSIGMASK}), the three descriptors {@code dup2}ed onto 0, 1 and 2
 * and every descriptor from 3 up closed ({@code posix_spawn_file_actions_addclosefrom_np}). glibc
 * starts the child with {@code clone(CLONE_VM | CLONE_VFORK)}: no page table of the JVM is copied,
 * so the cost does not grow with the heap, and an exec that fails is reported with its errno after
 * glibc has reaped the child.
 *
 * <p>The native structures are opaque blocks of glibc's sizes, the same on x86_64 and aarch64
 * (both LP64): they are only ever passed to libc, never read or written field by field.
 */
public final class PosixSpawn {
    /** {@code sizeof(posix_spawn_file_actions_t)} in glibc on x86_64 and aarch64. */
    public static final int FILE_ACTIONS_SIZE = 80;
    /** {@code sizeof(posix_spawnattr_t)} in glibc on x86_64 and aarch64. */
    public static final int ATTR_SIZE = 336;
    /** {@code sizeof(sigset_t)} in glibc (1024 bits) on x86_64 and aarch64. */
    public static final int SIGSET_SIZE = 128;
    /** glibc's {@code POSIX_SPAWN_SETSIGDEF}, the same on every architecture. */
    public static final short POSIX_SPAWN_SETSIGDEF = 0x04;
    /** glibc's {@code POSIX_SPAWN_SETSIGMASK}, the same on every architecture. */
    public static final short POSIX_SPAWN_SETSIGMASK = 0x08;

    private static final int SIGHUP = 1;
    private static final int SIGINT = 2;
    private static final int SIGTERM = 15;
    /** Each structure gets a 64-byte aligned slot at least this large, for room to spare. */
    private static final int SLOT = 512;
    private static final Charset CHARSET = Platform.fileNameCharset();

    private PosixSpawn() {
    }

    /**
     * Starts {@code argv} as {@link NativeSpawn#spawn} describes.
     *
     * @param libc the backend's bound calls
     * @param argv the program, searched in {@code PATH}, and its arguments; none null or with a NUL
     * @param stdinFd the child's fd 0, or -1 to inherit the parent's
     * @param stdoutFd the child's fd 1, or -1
     * @param stderrFd the child's fd 2, or -1
     * @return the child's pid
     * @throws IllegalArgumentException when {@code argv} is empty or an argument holds a NUL
     * @throws ErrnoException {@code posix_spawnp(<program>) failed: ENOENT ...} and the like when the
     *     program could not be started (no child is left), or the step of the set-up that failed
     */
    public static int spawn(PosixSpawnCalls libc, String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        return spawn(libc, argv, stdinFd, stdoutFd, stderrFd, null, null);
    }

    /**
     * Starts {@code argv} as {@link NativeSpawn#spawn(String[], int, int, int, String, String[])}
     * describes: as {@link #spawn(PosixSpawnCalls, String[], int, int, int)}, in {@code directory}
     * ({@code posix_spawn_file_actions_addchdir_np}, after the {@code dup2}s) and with
     * {@code environment}.
     *
     * @param libc the backend's bound calls
     * @param argv the program, searched in {@code PATH}, and its arguments; none null or with a NUL
     * @param stdinFd the child's fd 0, or -1 to inherit the parent's
     * @param stdoutFd the child's fd 1, or -1
     * @param stderrFd the child's fd 2, or -1
     * @param directory the child's working directory, or null for the parent's
     * @param environment {@code NAME=value} strings, the child's whole environment, or null for the parent's
     * @return the child's pid
     * @throws IllegalArgumentException when {@code argv} is empty or a string holds a NUL
     * @throws ErrnoException as {@link #spawn(PosixSpawnCalls, String[], int, int, int)}; a directory
     *     that cannot be entered gives its errno through {@code posix_spawnp}
     */
    public static int spawn(PosixSpawnCalls libc, String[] argv, int stdinFd, int stdoutFd, int stderrFd,
                            String directory, String[] environment) {
        Objects.requireNonNull(argv, "argv");
        if (argv.length == 0) {
            throw new IllegalArgumentException("argv must name the program in argv[0]");
        }
        byte[][] args = cStrings(argv, "argv");
        byte[][] env = environment == null ? new byte[0][] : cStrings(environment, "environment");
        byte[] dir = directory == null ? null : cStrings(new String[] {directory}, "directory")[0];
        int stringsSize = 0;
        for (byte[][] strings : new byte[][][] {args, env, dir == null ? new byte[0][] : new byte[][] {dir}}) {
            for (byte[] string : strings) {
                stringsSize += string.length + 1;
            }
        }
        // one zeroed block: attr, file actions, two signal sets, the pid, the argv and environment
        // tables, the strings (argv's, the environment's, the directory)
        long attrOffset = 0;
        long actionsOffset = SLOT;
        long sigDefaultOffset = 2L * SLOT;
        long sigMaskOffset = 3L * SLOT;
        long pidOffset = 4L * SLOT;
        long tableOffset = pidOffset + 64;
        long envTableOffset = tableOffset + 8L * (argv.length + 1);
        long stringsOffset = envTableOffset + 8L * (env.length + 1);
        long block = libc.calloc(stringsOffset + stringsSize);
        if (block == 0) {
            throw new ErrnoException("calloc() for posix_spawnp(" + argv[0] + ")", 12 /* ENOMEM */);
        }
        long attr = block + attrOffset;
        long actions = block + actionsOffset;
        int[] copies = {-1, -1, -1};
        boolean haveAttr = false;
        boolean haveActions = false;
        try {
            long[] table = new long[argv.length + 1];
            long[] envTable = new long[env.length + 1];
            byte[] strings = new byte[stringsSize];
            int offset = 0;
            for (int i = 0; i < args.length; i++) {
                table[i] = block + stringsOffset + offset;
                System.arraycopy(args[i], 0, strings, offset, args[i].length);
                offset += args[i].length + 1;
            }
            for (int i = 0; i < env.length; i++) {
                envTable[i] = block + stringsOffset + offset;
                System.arraycopy(env[i], 0, strings, offset, env[i].length);
                offset += env[i].length + 1;
            }
            long dirAddress = block + stringsOffset + offset;
            if (dir != null) {
                System.arraycopy(dir, 0, strings, offset, dir.length);
            }
            libc.putLongs(block + tableOffset, table);
            libc.putLongs(block + envTableOffset, envTable);
            libc.putBytes(block + stringsOffset, strings);

            check(libc.attrInit(attr), "posix_spawnattr_init()");
            haveAttr = true;
            long defaults = block + sigDefaultOffset;
            long none = block + sigMaskOffset;
            int sets = libc.sigemptyset(defaults) | libc.sigaddset(defaults, SIGTERM) | libc.sigaddset(defaults, SIGINT)
                | libc.sigaddset(defaults, SIGHUP) | libc.sigemptyset(none);
            check(sets == 0 ? 0 : 22 /* EINVAL, the only error of sigaddset */, "sigaddset(SIGTERM, SIGINT, SIGHUP)");
            check(libc.attrSetSigDefault(attr, defaults), "posix_spawnattr_setsigdefault()");
            check(libc.attrSetSigMask(attr, none), "posix_spawnattr_setsigmask()");
            check(libc.attrSetFlags(attr, (short) (POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)),
                "posix_spawnattr_setflags()");

            check(libc.fileActionsInit(actions), "posix_spawn_file_actions_init()");
            haveActions = true;
            int[] sources = {stdinFd, stdoutFd, stderrFd};
            for (int target = 0; target < 3; target++) {
                int fd = sources[target];
                if (fd < 0) {
                    continue;
                }
                if (fd < 3 && fd != target) {
                    // an earlier dup2 onto 0..2 could overwrite this source (e.g. stdin and stdout
                    // swapped): use a close-on-exec copy above 2 instead
                    copies[target] = libc.dupCloseOnExec(fd, 3);
                    if (copies[target] < 0) {
                        throw new ErrnoException("fcntl(fd=" + fd + ", F_DUPFD_CLOEXEC)", libc.errno());
                    }
                    fd = copies[target];
                }
                // with fd == target, glibc (>= 2.29) clears close-on-exec, as POSIX now requires
                check(libc.fileActionsAddDup2(actions, fd, target),
                    "posix_spawn_file_actions_adddup2(fd=" + fd + ", " + target + ")");
            }
            if (dir != null) {
                check(libc.fileActionsAddChdir(actions, dirAddress),
                    "posix_spawn_file_actions_addchdir_np(" + directory + ")");
            }
            check(libc.fileActionsAddCloseFrom(actions, 3), "posix_spawn_file_actions_addclosefrom_np(3)");

            long pid = block + pidOffset;
            long envp = environment == null ? libc.environ() : block + envTableOffset;
            int err = libc.posixSpawnp(pid, block + stringsOffset, actions, attr, block + tableOffset, envp);
            // glibc reaps a child whose exec failed itself and leaves the pid alone (it stays 0)
            check(err, "posix_spawnp(" + argv[0] + ")" + (directory == null ? "" : " in " + directory));
            return libc.getInt(pid);
        } finally {
            for (int copy : copies) {
                if (copy >= 0) {
                    libc.close(copy);
                }
            }
            if (haveActions) {
                libc.fileActionsDestroy(actions);
            }
            if (haveAttr) {
                libc.attrDestroy(attr);
            }
            libc.free(block);
        }
    }

    /** Each string in the file-name charset, refused when null or holding a NUL. */
    private static byte[][] cStrings(String[] values, String what) {
        byte[][] bytes = new byte[values.length][];
        for (int i = 0; i < values.length; i++) {
            if (values[i] == null) {
                throw new NullPointerException(what + "[" + i + "]");
            }
            if (values[i].indexOf('\0') >= 0) {
                throw new IllegalArgumentException(what + "[" + i + "] contains a NUL character: " + values[i]);
            }
            bytes[i] = values[i].getBytes(CHARSET);
        }
        return bytes;
    }

    private static void check(int error, String operation) {
        if (error != 0) {
            throw new ErrnoException(operation, error);
        }
    }
}
