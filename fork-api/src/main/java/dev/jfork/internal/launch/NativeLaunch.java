package dev.jfork.internal.launch;

import dev.jfork.ForkOptions;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The starts of children that run no Java: a program spawned ({@link NativeSpawn}) and the native
 * pid-printing child ({@link NativeChildPaths}). Neither sets a parent-death signal, so they are made on
 * the caller's thread, under the lock that serialises forks.
 */
final class NativeLaunch {
    private NativeLaunch() {
    }

    static LaunchedChild spawn(ProcessForker backend, ParentPreparation parent, NativeSpawn natives, String[] args,
                               ForkOptions options) {
        NestedForkGuard.requireParent(backend, "exec");
        ProgramLookup.check(args[0], options.directory().map(Object::toString).orElse(null));
        parent.prepare();
        ChildStdio stdio = ChildStdio.open(backend, options);
        try {
            return serialised(() -> {
                int pid = natives.spawn(args, stdio.childIn, stdio.childOut, stdio.childErr,
                    options.directory().map(Object::toString).orElse(null),
                    options.environment().map(env -> env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new)).orElse(null));
                stdio.closeChildEnds();
                return stdio.launched(pid, options.deadline().orElse(null), false, false);
            });
        } catch (RuntimeException | Error e) {
            stdio.closeAll();
            throw e;
        }
    }

    static LaunchedChild printPid(ProcessForker backend, ParentPreparation parent, NativeChildPaths natives,
                                  byte[] head, byte[] tail, ForkOptions options) {
        NestedForkGuard.requireParent(backend, "forkPrintingPid");
        parent.prepare();
        Duration deadline = options.deadline().orElse(null);
        ChildStdio stdio = ChildStdio.open(backend, options);
        try {
            return serialised(() -> {
                int fd = stdio.childOut >= 0 ? stdio.childOut : 1;
                int pid = natives.forkPrintPidAndExit(fd, head, tail, 0, ForkLauncher.alarmSeconds(deadline));
                stdio.closeChildEnds();
                return stdio.launched(pid, deadline, deadline != null, false);
            });
        } catch (RuntimeException | Error e) {
            stdio.closeAll();
            throw e;
        }
    }

    /** Runs {@code action} under the lock that serialises forks. */
    private static <T> T serialised(Supplier<T> action) {
        ForkLauncher.FORK_LOCK.lock();
        try {
            return action.get();
        } finally {
            ForkLauncher.FORK_LOCK.unlock();
        }
    }
}
