package dev.jfork.jnr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ErrnoException;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.spi.ProcessForker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.Timeout.ThreadMode;

/**
 * A quick smoke test of the jnr backend on its own; the shared conformance kit runs separately.
 *
 * <p>Every child arms an {@code alarm} and ends with {@code _exit}; every test reaps its children
 * in a {@code finally}, with SIGKILL first when they were not reaped yet. The timeout runs the test
 * in a separate thread so that a parent blocked in a native read still fails the test.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS, threadMode = ThreadMode.SEPARATE_THREAD)
class JnrBackendSmokeTest {
    private static final int CHILD_ALARM_SECONDS = 10;
    private static final int O_CLOEXEC = 02000000;

    private final JnrProcessForker forker = new JnrProcessForker();
    private final Set<Integer> unreaped = new HashSet<>();
    private final Set<Integer> openFds = new HashSet<>();

    @BeforeEach
    void backendIsAvailable() {
        assertThat(forker.name()).isEqualTo("jnr");
        assertThat(forker.unavailabilityCause()).isEmpty();
        assertThat(forker.isAvailable()).isTrue();
    }

    /**
     * Runs, in the parent, the Java paths the children below take, so that a child does as little
     * first-use and profiling work as possible (a child that asks the JIT for a compilation while a
     * compiler thread held the queue lock at fork time hangs: {@code CompileBroker::compile_method_base}).
     */
    @BeforeAll
    static void warmChildPathsInTheParent() {
        JnrProcessForker warm = new JnrProcessForker();
        assertThat(warm.unavailabilityCause()).isEmpty();
        String[] argv = {"sh", "-c", "exit 0"};
        byte[] one = new byte[1];
        for (int i = 0; i < 2_000; i++) {
            warm.warmUpExit(i);
            expectErrno("ENOENT", () -> warm.execvp("", argv));
            expectErrno("ENOENT", () -> warm.execv("", argv));
            expectErrno("EBADF", () -> warm.write(-1, one, 1));
            expectErrno("EBADF", () -> warm.read(-1, one, 1));
            expectErrno("EBADF", () -> warm.dup2(-1, -1));
            expectErrno("EINVAL", () -> warm.resetSignal(0));
        }
    }

    private static void expectErrno(String name, Runnable call) {
        try {
            call.run();
            throw new AssertionError("expected " + name);
        } catch (ErrnoException e) {
            assertThat(e.errnoName()).isEqualTo(name);
        }
    }

    /**
     * Waits, at most a second, until no JIT compiler thread is running (state R in
     * {@code /proc/self/task/<tid>/stat}), to make a hang in the child less likely.
     */
    private static void awaitIdleCompilers() {
        long deadline = System.nanoTime() + 1_000_000_000L;
        List<Path> stats = new ArrayList<>();
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            for (Path task : tasks) {
                try {
                    if (Files.readString(task.resolve("comm")).contains("CompilerThre")) {
                        stats.add(task.resolve("stat"));
                    }
                } catch (IOException threadEnded) {
                    // gone
                }
            }
        } catch (IOException e) {
            return;
        }
        while (System.nanoTime() < deadline) {
            boolean running = false;
            for (Path stat : stats) {
                try {
                    String line = Files.readString(stat);
                    running |= line.charAt(line.lastIndexOf(')') + 2) == 'R';
                } catch (IOException threadEnded) {
                    // gone
                }
            }
            if (!running) {
                return;
            }
            Thread.onSpinWait();
        }
    }

    private int fork() {
        awaitIdleCompilers();
        int pid = forker.fork();
        if (pid > 0) {
            unreaped.add(pid);
        }
        return pid;
    }

    private WaitStatus waitFor(int pid) {
        int[] status = new int[1];
        assertThat(forker.waitpid(pid, status, 0)).isEqualTo(pid);
        unreaped.remove(pid);
        return WaitStatus.of(status[0]);
    }

    /** Kills (SIGKILL) and reaps {@code pid} unless it was reaped already. */
    private void reap(int pid) {
        if (!unreaped.remove(pid)) {
            return;
        }
        try {
            forker.kill(pid, Signals.SIGKILL);
        } catch (ErrnoException alreadyGone) {
            // it ended on its own; waitpid still reaps it
        }
        forker.waitpid(pid, new int[1], 0);
    }

    /** Reads {@code fd} to end of file. */
    private byte[] readAll(int fd) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        int n;
        while ((n = forker.read(fd, buffer, buffer.length)) > 0) {
            out.write(buffer, 0, n);
        }
        return out.toByteArray();
    }

    /** A pipe whose ends this test closes, and only once (a closed number may be reused by another thread at once). */
    private int[] pipe() {
        int[] p = forker.pipe();
        openFds.add(p[0]);
        openFds.add(p[1]);
        return p;
    }

    /** Closes {@code fd} in the parent unless this test closed it already. */
    private void close(int fd) {
        if (openFds.remove(fd)) {
            forker.close(fd);
        }
    }

    private void closeQuietly(int... fds) {
        for (int fd : fds) {
            close(fd);
        }
    }

    @Test
    void isFoundByServiceLoader() {
        assertThat(ServiceLoader.load(ProcessForker.class).stream().map(ServiceLoader.Provider::type))
            .contains(JnrProcessForker.class);
    }

    @Test
    void getpidAndGetppidMatchTheJvm() {
        assertThat((long) forker.getpid()).isEqualTo(ProcessHandle.current().pid());
        assertThat((long) forker.getppid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
    }

    @Test
    void childExitCodeArrives() {
        forker.warmUpExit(1);
        int pid = fork();
        if (pid == 0) {
            forker._exit(42);
        }
        try {
            WaitStatus status = waitFor(pid);
            assertThat(status.exited()).as(status.toString()).isTrue();
            assertThat(status.exitCode()).isEqualTo(42);
        } finally {
            reap(pid);
        }
    }

    @Test
    void waitpidOnReapedChildFailsWithEchild() {
        int pid = fork();
        if (pid == 0) {
            forker._exit(0);
        }
        try {
            waitFor(pid);
            assertThatThrownBy(() -> forker.waitpid(pid, new int[1], 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ECHILD");
                    assertThat(e.errno()).isEqualTo(10);
                    assertThat(e.operation()).isEqualTo("waitpid(pid=" + pid + ")");
                });
        } finally {
            reap(pid);
        }
    }

    @Test
    void killWithInvalidSignalFailsWithEinval() {
        assertThatThrownBy(() -> forker.kill(forker.getpid(), 999))
            .isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("EINVAL");
                assertThat(e.operation()).isEqualTo("kill(pid=" + forker.getpid() + ", sig=999)");
            });
    }

    @Test
    void closingTheWriteEndGivesEndOfFile() {
        int[] p = pipe();
        try {
            close(p[1]);
            assertThat(forker.read(p[0], new byte[4], 4)).as("end of file once the only write end is closed").isZero();
        } finally {
            closeQuietly(p[0], p[1]);
        }
    }

    @Test
    void badDescriptorFailsWithEbadf() {
        // a number far above any open-files limit: never open, unlike a just-closed one that another thread may reuse
        assertThatThrownBy(() -> forker.read(Integer.MAX_VALUE, new byte[4], 4))
            .isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("EBADF");
                assertThat(e.operation()).isEqualTo("read(fd=2147483647, length=4)");
            });
        assertThatThrownBy(() -> forker.close(Integer.MAX_VALUE))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.operation()).isEqualTo("close(fd=2147483647)"));
    }

    @Test
    void pipeEndsAreCloseOnExec() throws Exception {
        int[] p = pipe();
        try {
            for (int fd : p) {
                String info = Files.readString(Path.of("/proc/self/fdinfo/" + fd));
                String flags = info.lines().filter(l -> l.startsWith("flags:")).findFirst().orElseThrow();
                int octal = Integer.parseInt(flags.substring("flags:".length()).trim(), 8);
                assertThat(octal & O_CLOEXEC).as("fd %d: %s", fd, flags).isEqualTo(O_CLOEXEC);
            }
        } finally {
            closeQuietly(p[0], p[1]);
        }
    }

    @Test
    void childWritesParentReads() {
        byte[] sent = "bytes from the child".getBytes(StandardCharsets.UTF_8);
        int[] p = pipe();
        int pid = fork();
        if (pid == 0) {
            int code = 1;
            try {
                forker.alarm(CHILD_ALARM_SECONDS);
                code = forker.write(p[1], sent, sent.length) == sent.length ? 0 : 2;
            } catch (Throwable t) {
                code = 3;
            } finally {
                forker._exit(code);
            }
        }
        try {
            close(p[1]);
            byte[] got = readAll(p[0]);
            assertThat(got).isEqualTo(sent);
            assertThat(waitFor(pid).exitCode()).isZero();
        } finally {
            closeQuietly(p[0], p[1]);
            reap(pid);
        }
    }

    @Test
    void execvpRunsAProgram() {
        String[] argv = {"sh", "-c", "exit 7"};
        int pid = fork();
        if (pid == 0) {
            try {
                forker.alarm(CHILD_ALARM_SECONDS);
                forker.execvp("/bin/sh", argv);
            } catch (Throwable t) {
                // fall through to 127
            } finally {
                forker._exit(127);
            }
        }
        try {
            assertThat(waitFor(pid).exitCode()).isEqualTo(7);
        } finally {
            reap(pid);
        }
    }

    @Test
    void execvPassesEveryArgumentExactly() {
        // sh -c SCRIPT $0 $1 $2: the script prints them between bars
        String[] argv = {"sh", "-c", "printf '%s|%s|%s|%s' \"$0\" \"$1\" \"$2\" $#", "äöü-€ 𝄞", "", "two words"};
        int[] p = pipe();
        int pid = fork();
        if (pid == 0) {
            try {
                forker.alarm(CHILD_ALARM_SECONDS);
                forker.dup2(p[1], 1);
                forker.execv("/bin/sh", argv);
            } catch (Throwable t) {
                // fall through to 127
            } finally {
                forker._exit(127);
            }
        }
        try {
            close(p[1]);
            String output = new String(readAll(p[0]), StandardCharsets.UTF_8);
            assertThat(waitFor(pid).exitCode()).isZero();
            assertThat(output).isEqualTo("äöü-€ 𝄞||two words|2");
        } finally {
            closeQuietly(p[0], p[1]);
            reap(pid);
        }
    }

    @Test
    void execvpOfMissingProgramFailsWithEnoentInTheChild() {
        String[] argv = {"jfork-no-such-program"};
        int pid = fork();
        if (pid == 0) {
            int code = 1;
            try {
                forker.alarm(CHILD_ALARM_SECONDS);
                forker.execvp("jfork-no-such-program", argv);
            } catch (ErrnoException e) {
                code = e.errnoName().equals("ENOENT") && e.operation().equals("execvp(jfork-no-such-program)") ? 40 : 41;
            } catch (Throwable t) {
                code = 42;
            } finally {
                forker._exit(code);
            }
        }
        try {
            assertThat(waitFor(pid).exitCode()).isEqualTo(40);
        } finally {
            reap(pid);
        }
    }

    @Test
    void resetSignalRestoresTheDefaultAction() {
        int[] ready = pipe();
        int[] never = pipe();
        int pid = fork();
        if (pid == 0) {
            int code = 1;
            try {
                forker.alarm(CHILD_ALARM_SECONDS);
                forker.resetSignal(Signals.SIGTERM);
                forker.write(ready[1], new byte[] {'R'}, 1);
                forker.read(never[0], new byte[1], 1);
                code = 0;
            } catch (Throwable t) {
                code = 3;
            } finally {
                forker._exit(code);
            }
        }
        try {
            close(ready[1]);
            assertThat(forker.read(ready[0], new byte[1], 1)).as("child ready").isEqualTo(1);
            forker.kill(pid, Signals.SIGTERM);
            WaitStatus status = waitFor(pid);
            assertThat(status.signaled()).as(status.toString()).isTrue();
            assertThat(status.termSignal()).isEqualTo(Signals.SIGTERM);
        } finally {
            closeQuietly(ready[0], ready[1], never[0], never[1]);
            reap(pid);
        }
    }

    @Test
    void resetSignalOfSigkillFailsWithEinval() {
        assertThatThrownBy(() -> forker.resetSignal(Signals.SIGKILL))
            .isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("EINVAL");
                assertThat(e.operation()).contains("sigaction", "9");
            });
    }

    /** A child puts the pipe's write end on fd 9, then execs a shell that writes to fd 9. */
    private String execShellWritingToFd9(boolean closeOnExecFrom3) {
        int[] p = pipe();
        String[] argv = {"sh", "-c", "exec 2>/dev/null; echo reached >&9"};
        int pid = fork();
        if (pid == 0) {
            try {
                forker.alarm(CHILD_ALARM_SECONDS);
                forker.dup2(p[1], 9); // the copy is not close-on-exec
                if (closeOnExecFrom3) {
                    forker.closeOnExecFrom(3);
                }
                forker.execvp("sh", argv);
            } catch (Throwable t) {
                // fall through to 127
            } finally {
                forker._exit(127);
            }
        }
        try {
            close(p[1]);
            String output = new String(readAll(p[0]), StandardCharsets.UTF_8);
            WaitStatus status = waitFor(pid);
            assertThat(status.exited()).as(status.toString()).isTrue();
            assertThat(status.exitCode()).as("the shell's exit code").isEqualTo(closeOnExecFrom3 ? 2 : 0);
            return output;
        } finally {
            closeQuietly(p[0], p[1]);
            reap(pid);
        }
    }

    @Test
    void dup2CopySurvivesExec() {
        assertThat(execShellWritingToFd9(false)).isEqualTo("reached\n");
    }

    @Test
    void closeOnExecFromClosesDescriptorsAtExec() {
        assertThat(execShellWritingToFd9(true)).isEmpty();
    }

    @Test
    void alarmEndsAChild() {
        int[] never = pipe();
        int pid = fork();
        if (pid == 0) {
            try {
                forker.alarm(1);
                forker.read(never[0], new byte[1], 1);
            } finally {
                forker._exit(0);
            }
        }
        try {
            assertThat(forker.alarm(0)).as("the parent has no alarm").isZero();
            WaitStatus status = waitFor(pid);
            assertThat(status.signaled()).as(status.toString()).isTrue();
            assertThat(status.termSignal()).isEqualTo(Signals.SIGALRM);
        } finally {
            closeQuietly(never[0], never[1]);
            reap(pid);
        }
    }
}
