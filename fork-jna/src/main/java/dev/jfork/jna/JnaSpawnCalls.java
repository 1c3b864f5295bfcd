package dev.jfork.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import com.sun.jna.Pointer;
import dev.jfork.spi.PosixSpawnCalls;

/** {@link PosixSpawnCalls} on the jna backend's {@link LibC}: one native call (or memory access) per method. */
final class JnaSpawnCalls implements PosixSpawnCalls {
    /** Linux {@code F_DUPFD_CLOEXEC}, the same on every architecture. */
    private static final int F_DUPFD_CLOEXEC = 1030;

    /** The address of libc's {@code environ} variable (not its value, which {@code setenv} may change). */
    private final Pointer environ = NativeLibrary.getInstance(Platform.C_LIBRARY_NAME).getGlobalVariableAddress("environ");

    @Override
    public long calloc(long size) {
        return LibC.calloc(1, size);
    }

    @Override
    public void free(long address) {
        LibC.free(address);
    }

    @Override
    public void putBytes(long address, byte[] bytes) {
        new Pointer(address).write(0, bytes, 0, bytes.length);
    }

    @Override
    public void putLongs(long address, long[] values) {
        new Pointer(address).write(0, values, 0, values.length);
    }

    @Override
    public int getInt(long address) {
        return new Pointer(address).getInt(0);
    }

    @Override
    public long environ() {
        return environ.getLong(0);
    }

    @Override
    public int dupCloseOnExec(int fd, int lowest) {
        return LibC.fcntl(fd, F_DUPFD_CLOEXEC, lowest);
    }

    @Override
    public void close(int fd) {
        LibC.close(fd);
    }

    @Override
    public int errno() {
        return Native.getLastError();
    }

    @Override
    public int fileActionsInit(long actions) {
        return LibC.posix_spawn_file_actions_init(actions);
    }

    @Override
    public int fileActionsAddDup2(long actions, int fd, int newFd) {
        return LibC.posix_spawn_file_actions_adddup2(actions, fd, newFd);
    }

    @Override
    public int fileActionsAddChdir(long actions, long path) {
        return LibC.posix_spawn_file_actions_addchdir_np(actions, path);
    }

    @Override
    public int fileActionsAddCloseFrom(long actions, int from) {
        return LibC.posix_spawn_file_actions_addclosefrom_np(actions, from);
    }

    @Override
    public int fileActionsDestroy(long actions) {
        return LibC.posix_spawn_file_actions_destroy(actions);
    }

    @Override
    public int attrInit(long attr) {
        return LibC.posix_spawnattr_init(attr);
    }

    @Override
    public int attrSetSigDefault(long attr, long sigset) {
        return LibC.posix_spawnattr_setsigdefault(attr, sigset);
    }

    @Override
    public int attrSetSigMask(long attr, long sigset) {
        return LibC.posix_spawnattr_setsigmask(attr, sigset);
    }

    @Override
    public int attrSetFlags(long attr, short flags) {
        return LibC.posix_spawnattr_setflags(attr, flags);
    }

    @Override
    public int attrDestroy(long attr) {
        return LibC.posix_spawnattr_destroy(attr);
    }

    @Override
    public int sigemptyset(long sigset) {
        return LibC.sigemptyset(sigset);
    }

    @Override
    public int sigaddset(long sigset, int signal) {
        return LibC.sigaddset(sigset, signal);
    }

    @Override
    public int posixSpawnp(long pid, long file, long actions, long attr, long argv, long envp) {
        return LibC.posix_spawnp(pid, file, actions, attr, argv, envp);
    }
}
