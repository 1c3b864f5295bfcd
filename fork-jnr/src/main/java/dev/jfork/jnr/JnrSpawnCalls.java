package dev.jfork.jnr;

import dev.jfork.jnr.internal.LibC;
import dev.jfork.spi.PosixSpawnCalls;
import jnr.ffi.LastError;

/** {@link PosixSpawnCalls} on the jnr backend's {@link LibC}: one native call per method. */
final class JnrSpawnCalls implements PosixSpawnCalls {
    /** Linux {@code F_DUPFD_CLOEXEC}, the same on every architecture. */
    private static final int F_DUPFD_CLOEXEC = 1030;

    private final LibC libc;
    private final jnr.ffi.Runtime runtime;
    /** The address of libc's {@code environ} variable (its value is read at each spawn). */
    private final long environAddress;

    JnrSpawnCalls(LibC libc) {
        this.libc = libc;
        this.runtime = jnr.ffi.Runtime.getRuntime(libc);
        this.environAddress = libc.dlsym(0L, "environ");
        if (environAddress == 0) {
            throw new IllegalStateException("dlsym(RTLD_DEFAULT, \"environ\") found no environ in libc");
        }
    }

    @Override
    public long calloc(long size) {
        return libc.calloc(1, size);
    }

    @Override
    public void free(long address) {
        libc.free(address);
    }

    @Override
    public void putBytes(long address, byte[] bytes) {
        libc.memcpy(address, bytes, bytes.length);
    }

    @Override
    public void putLongs(long address, long[] values) {
        libc.memcpy(address, values, 8L * values.length);
    }

    @Override
    public int getInt(long address) {
        return runtime.getMemoryManager().newPointer(address).getInt(0);
    }

    @Override
    public long environ() {
        return runtime.getMemoryManager().newPointer(environAddress).getAddress(0);
    }

    @Override
    public int dupCloseOnExec(int fd, int lowest) {
        return libc.fcntl(fd, F_DUPFD_CLOEXEC, lowest);
    }

    @Override
    public void close(int fd) {
        libc.close(fd);
    }

    @Override
    public int errno() {
        return LastError.getLastError(runtime);
    }

    @Override
    public int fileActionsInit(long actions) {
        return libc.posix_spawn_file_actions_init(actions);
    }

    @Override
    public int fileActionsAddDup2(long actions, int fd, int newFd) {
        return libc.posix_spawn_file_actions_adddup2(actions, fd, newFd);
    }

    @Override
    public int fileActionsAddChdir(long actions, long path) {
        return libc.posix_spawn_file_actions_addchdir_np(actions, path);
    }

    @Override
    public int fileActionsAddCloseFrom(long actions, int from) {
        return libc.posix_spawn_file_actions_addclosefrom_np(actions, from);
    }

    @Override
    public int fileActionsDestroy(long actions) {
        return libc.posix_spawn_file_actions_destroy(actions);
    }

    @Override
    public int attrInit(long attr) {
        return libc.posix_spawnattr_init(attr);
    }

    @Override
    public int attrSetSigDefault(long attr, long sigset) {
        return libc.posix_spawnattr_setsigdefault(attr, sigset);
    }

    @Override
    public int attrSetSigMask(long attr, long sigset) {
        return libc.posix_spawnattr_setsigmask(attr, sigset);
    }

    @Override
    public int attrSetFlags(long attr, short flags) {
        return libc.posix_spawnattr_setflags(attr, flags);
    }

    @Override
    public int attrDestroy(long attr) {
        return libc.posix_spawnattr_destroy(attr);
    }

    @Override
    public int sigemptyset(long sigset) {
        return libc.sigemptyset(sigset);
    }

    @Override
    public int sigaddset(long sigset, int signal) {
        return libc.sigaddset(sigset, signal);
    }

    @Override
    public int posixSpawnp(long pid, long file, long actions, long attr, long argv, long envp) {
        jnr.ffi.provider.MemoryManager memory = runtime.getMemoryManager();
        return libc.posix_spawnp(memory.newPointer(pid), memory.newPointer(file), memory.newPointer(actions),
            memory.newPointer(attr), memory.newPointer(argv), memory.newPointer(envp));
    }
}
