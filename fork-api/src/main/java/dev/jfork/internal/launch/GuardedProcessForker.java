package dev.jfork.internal.launch;

import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;
import java.util.Objects;
import java.util.Optional;

/**
 * The backend as {@code ProcessForkers} hands it out: the same calls, with the arguments a caller
 * can get dangerously wrong refused before they reach the kernel. A pid of 0 or below means a whole
 * process group or every child to {@code kill} and {@code waitpid}: {@code kill(0, SIGKILL)} would end
 * the caller's own build tool, and {@code waitpid(-1)} would steal the status of a child that jfork's
 * reaper is waiting for.
 */
public class GuardedProcessForker implements ProcessForker {
    private final ProcessForker backend;

    GuardedProcessForker(ProcessForker backend) {
        this.backend = backend;
    }

    /**
     * The guarded form of {@code backend}; it also offers {@link NativeChildPaths} or {@link NativeSpawn}
     * when the backend does.
     *
     * @param backend a backend, guarded or not
     * @return the guarded backend
     */
    public static GuardedProcessForker guard(ProcessForker backend) {
        if (backend instanceof GuardedProcessForker) {
            return (GuardedProcessForker) backend;
        }
        if (backend instanceof NativeChildPaths) {
            return new GuardedNativeProcessForker(backend);
        }
        return backend instanceof NativeSpawn ? new GuardedSpawnProcessForker(backend) : new GuardedProcessForker(backend);
    }

    /** @return the backend without the guard */
    public ProcessForker unwrap() {
        return backend;
    }

    private static void requireSinglePid(String operation, int pid) {
        if (pid <= 0) {
            throw new IllegalArgumentException(operation + "(pid=" + pid + "): jfork needs the pid of one process (> 0); "
                + (pid == 0 ? "0 means the caller's whole process group" : pid == -1 ? "-1 means every process (or every child)"
                    : pid + " means the process group " + -pid));
        }
    }

    @Override
    public String name() {
        return backend.name();
    }

    @Override
    public Optional<Throwable> unavailabilityCause() {
        return backend.unavailabilityCause();
    }

    @Override
    public int fork() {
        return backend.fork();
    }

    @Override
    public int getpid() {
        return backend.getpid();
    }

    @Override
    public int getppid() {
        return backend.getppid();
    }

    @Override
    public void _exit(int status) {
        backend._exit(status);
    }

    @Override
    public void warmUpExit(int value) {
        backend.warmUpExit(value);
    }

    @Override
    public int waitpid(int pid, int[] status, int options) {
        requireSinglePid("waitpid", pid);
        if (status == null || status.length < 1) {
            throw new IllegalArgumentException("waitpid(pid=" + pid + "): status must be an int[1] to receive the status");
        }
        return backend.waitpid(pid, status, options);
    }

    @Override
    public void awaitExitWithoutReaping(int pid) {
        requireSinglePid("waitid", pid);
        backend.awaitExitWithoutReaping(pid);
    }

    @Override
    public void kill(int pid, int signal) {
        requireSinglePid("kill", pid);
        backend.kill(pid, signal);
    }

    @Override
    public int pidfdOpen(int pid) {
        requireSinglePid("pidfd_open", pid);
        return backend.pidfdOpen(pid);
    }

    @Override
    public void pidfdSendSignal(int pidfd, int signal) {
        backend.pidfdSendSignal(pidfd, signal);
    }

    @Override
    public boolean signalIgnored(int signal) {
        return backend.signalIgnored(signal);
    }

    @Override
    public int poll(int fd, int events, int timeoutMillis) {
        return backend.poll(fd, events, timeoutMillis);
    }

    @Override
    public int[] pipe() {
        return backend.pipe();
    }

    @Override
    public int read(int fd, byte[] buffer, int length) {
        return backend.read(fd, buffer, length);
    }

    @Override
    public int write(int fd, byte[] buffer, int length) {
        return backend.write(fd, buffer, length);
    }

    @Override
    public void close(int fd) {
        backend.close(fd);
    }

    @Override
    public int open(String path, int flags, int mode) {
        Objects.requireNonNull(path, "open: the path is null");
        if (path.indexOf('\0') >= 0) {
            // a C string ends at its first NUL: the kernel would open (or create) the name cut there
            throw new IllegalArgumentException("open: the path holds a NUL character (\\0), so the file opened"
                + " would be another one (the name up to the NUL); path: " + path.replace("\0", "\\0"));
        }
        return backend.open(path, flags, mode);
    }

    @Override
    public int startVmThread(long[] mutexes, long[] layout, boolean start) {
        return dev.jfork.internal.vm.VmRevival.start(backend, mutexes, layout, start);
    }

    @Override
    public dev.jfork.spi.ThreadStartCalls threadStartCalls() {
        return backend.threadStartCalls();
    }

    @Override
    public void dup2(int oldFd, int newFd) {
        backend.dup2(oldFd, newFd);
    }

    @Override
    public void execv(String path, String[] argv) {
        checkExec("execv", path, argv);
        backend.execv(path, argv);
    }

    @Override
    public void execvp(String file, String[] argv) {
        checkExec("execvp", file, argv);
        backend.execvp(file, argv);
    }

    /**
     * Refuses a program or argument that is null or holds NUL: a C string ends at its first NUL, so the
     * program would get other arguments than these (ProcessBuilder refuses them too).
     *
     * @param call the call, for the message
     * @param program the program's name or path
     * @param argv its arguments
     * @throws IllegalArgumentException naming the argument that holds NUL
     */
    public static void checkExec(String call, String program, String[] argv) {
        Objects.requireNonNull(program, call + ": the program is null");
        Objects.requireNonNull(argv, call + ": argv is null");
        if (program.indexOf('\0') >= 0) {
            throw new IllegalArgumentException(call + ": the program's name holds a NUL character (\\0)");
        }
        for (int i = 0; i < argv.length; i++) {
            Objects.requireNonNull(argv[i], call + ": argv[" + i + "] is null");
            if (argv[i].indexOf('\0') >= 0) {
                throw new IllegalArgumentException(call + ": argv[" + i + "] holds a NUL character (\\0), which a"
                    + " program's arguments cannot carry (ProcessBuilder refuses it too)");
            }
        }
    }

    /**
     * Refuses what a native spawn cannot pass as C strings: a program or argument as {@link #checkExec}
     * does, and a working directory or environment entry that holds NUL.
     *
     * @param argv the program and its arguments
     * @param directory the working directory, or null
     * @param environment the environment entries, or null
     * @throws IllegalArgumentException naming the string that holds NUL
     */
    static void checkSpawn(String[] argv, String directory, String[] environment) {
        Objects.requireNonNull(argv, "spawn: argv is null");
        if (argv.length == 0) {
            throw new IllegalArgumentException("spawn: argv is empty; argv[0] is the program");
        }
        checkExec("spawn", argv[0], argv);
        if (directory != null && directory.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("spawn: the working directory holds a NUL character (\\0)");
        }
        if (environment != null) {
            for (int i = 0; i < environment.length; i++) {
                Objects.requireNonNull(environment[i], "spawn: environment[" + i + "] is null");
                if (environment[i].indexOf('\0') >= 0) {
                    throw new IllegalArgumentException("spawn: environment[" + i + "] holds a NUL character (\\0)");
                }
            }
        }
    }

    @Override
    public int alarm(int seconds) {
        return backend.alarm(seconds);
    }

    @Override
    public void resetSignal(int signal) {
        backend.resetSignal(signal);
    }

    @Override
    public void setParentDeathSignal(int signal) {
        backend.setParentDeathSignal(signal);
    }

    @Override
    public void closeOnExecFrom(int lowestFd) {
        backend.closeOnExecFrom(lowestFd);
    }

    @Override
    public String toString() {
        return backend.toString();
    }
}
