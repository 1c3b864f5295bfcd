package dev.jfork.internal.launch;

import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.ProcessForker;

/** A guarded backend whose backend has {@link NativeChildPaths}: those pass straight through. */
final class GuardedNativeProcessForker extends GuardedProcessForker implements NativeChildPaths {
    private final NativeChildPaths natives;

    GuardedNativeProcessForker(ProcessForker backend) {
        super(backend);
        this.natives = (NativeChildPaths) backend;
    }

    @Override
    public int forkWriteAndExit(int fd, byte[] bytes, int exitCode, int alarmSeconds) {
        return natives.forkWriteAndExit(fd, bytes, exitCode, alarmSeconds);
    }

    @Override
    public int forkPrintPidAndExit(int fd, byte[] prefix, byte[] suffix, int exitCode, int alarmSeconds) {
        return natives.forkPrintPidAndExit(fd, prefix, suffix, exitCode, alarmSeconds);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd) {
        checkSpawn(argv, null, null);
        return natives.spawn(argv, stdinFd, stdoutFd, stderrFd);
    }

    @Override
    public int spawn(String[] argv, int stdinFd, int stdoutFd, int stderrFd, String directory,
                     String[] environment) {
        checkSpawn(argv, directory, environment);
        return natives.spawn(argv, stdinFd, stdoutFd, stderrFd, directory, environment);
    }
}
