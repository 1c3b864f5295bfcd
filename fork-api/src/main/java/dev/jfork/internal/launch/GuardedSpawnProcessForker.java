package dev.jfork.internal.launch;

import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;

/** A guarded backend whose backend has {@link NativeSpawn} but not the other native child paths. */
final class GuardedSpawnProcessForker extends GuardedProcessForker implements NativeSpawn {
    private final NativeSpawn natives;

    GuardedSpawnProcessForker(ProcessForker backend) {
        super(backend);
        this.natives = (NativeSpawn) backend;
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
