package dev.jfork.spi;

/**
 * The libc functions behind {@link PosixSpawn}, bound by a backend on plain native addresses
 * ({@code long}s; jfork runs on LP64 Linux only). Each method is one native call and nothing else.
 * The {@code posix_spawn*} functions and {@code sigemptyset}/{@code sigaddset} return 0 or an error
 * number, as in C; only {@link #dupCloseOnExec} reports through errno ({@link #errno()}).
 */
public interface PosixSpawnCalls {

    /**
     * {@code calloc(1, size)}.
     *
     * @param size bytes
     * @return the zeroed block's address, 0 when there is no memory
     */
    long calloc(long size);

    /**
     * {@code free(address)}.
     *
     * @param address a block from {@link #calloc}
     */
    void free(long address);

    /**
     * Copies {@code bytes} to native memory ({@code memcpy}).
     *
     * @param address where they go
     * @param bytes what is copied, all of it
     */
    void putBytes(long address, byte[] bytes);

    /**
     * Copies {@code values} to native memory in native byte order ({@code memcpy}), e.g. a table of
     * addresses.
     *
     * @param address where they go
     * @param values what is copied, all of it
     */
    void putLongs(long address, long[] values);

    /**
     * Reads a C {@code int} from native memory.
     *
     * @param address its address
     * @return its value
     */
    int getInt(long address);

    /**
     * The current value of libc's {@code environ}, read at each call ({@code setenv} may move it).
     *
     * @return the address of the environment's NULL-terminated table
     */
    long environ();

    /**
     * {@code fcntl(fd, F_DUPFD_CLOEXEC, lowest)}.
     *
     * @param fd the descriptor to copy
     * @param lowest the lowest number the copy may get
     * @return the copy, or -1 with errno set
     */
    int dupCloseOnExec(int fd, int lowest);

    /**
     * {@code close(fd)}, its result ignored: used only on a copy made by {@link #dupCloseOnExec}.
     *
     * @param fd the descriptor
     */
    void close(int fd);

    /**
     * The calling thread's errno after the last call that sets it.
     *
     * @return errno
     */
    int errno();

    /**
     * {@code posix_spawn_file_actions_init}.
     *
     * @param actions a {@link PosixSpawn#FILE_ACTIONS_SIZE}-byte block
     * @return 0 or an error number
     */
    int fileActionsInit(long actions);

    /**
     * {@code posix_spawn_file_actions_adddup2}.
     *
     * @param actions the initialised file actions
     * @param fd the source descriptor
     * @param newFd the child's descriptor
     * @return 0 or an error number
     */
    int fileActionsAddDup2(long actions, int fd, int newFd);

    /**
     * {@code posix_spawn_file_actions_addchdir_np} (glibc 2.29+).
     *
     * @param actions the initialised file actions
     * @param path the address of the NUL-terminated directory
     * @return 0 or an error number
     */
    int fileActionsAddChdir(long actions, long path);

    /**
     * {@code posix_spawn_file_actions_addclosefrom_np} (glibc 2.34+).
     *
     * @param actions the initialised file actions
     * @param from the lowest descriptor the child closes
     * @return 0 or an error number
     */
    int fileActionsAddCloseFrom(long actions, int from);

    /**
     * {@code posix_spawn_file_actions_destroy}.
     *
     * @param actions the initialised file actions
     * @return 0 or an error number
     */
    int fileActionsDestroy(long actions);

    /**
     * {@code posix_spawnattr_init}.
     *
     * @param attr a {@link PosixSpawn#ATTR_SIZE}-byte block
     * @return 0 or an error number
     */
    int attrInit(long attr);

    /**
     * {@code posix_spawnattr_setsigdefault}.
     *
     * @param attr the initialised attributes
     * @param sigset the signals set back to their default action
     * @return 0 or an error number
     */
    int attrSetSigDefault(long attr, long sigset);

    /**
     * {@code posix_spawnattr_setsigmask}.
     *
     * @param attr the initialised attributes
     * @param sigset the child's signal mask
     * @return 0 or an error number
     */
    int attrSetSigMask(long attr, long sigset);

    /**
     * {@code posix_spawnattr_setflags}.
     *
     * @param attr the initialised attributes
     * @param flags e.g. {@code POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK}
     * @return 0 or an error number
     */
    int attrSetFlags(long attr, short flags);

    /**
     * {@code posix_spawnattr_destroy}.
     *
     * @param attr the initialised attributes
     * @return 0 or an error number
     */
    int attrDestroy(long attr);

    /**
     * {@code sigemptyset}.
     *
     * @param sigset a {@link PosixSpawn#SIGSET_SIZE}-byte block
     * @return 0, or -1
     */
    int sigemptyset(long sigset);

    /**
     * {@code sigaddset}.
     *
     * @param sigset an initialised set
     * @param signal the signal to add
     * @return 0, or -1
     */
    int sigaddset(long sigset, int signal);

    /**
     * {@code posix_spawnp(pid, file, actions, attr, argv, envp)}.
     *
     * @param pid where the child's pid goes (a C {@code int})
     * @param file the NUL-terminated program name, searched in {@code PATH}
     * @param actions the file actions
     * @param attr the attributes
     * @param argv the NULL-terminated table of arguments
     * @param envp the NULL-terminated table of the environment
     * @return 0 or an error number (the exec's errno when the program could not be run)
     */
    int posixSpawnp(long pid, long file, long actions, long attr, long argv, long envp);
}
