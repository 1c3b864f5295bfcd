package dev.jfork.ffm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jfork.ErrnoException;
import dev.jfork.WaitStatus;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A quick check of the FFM backend on its own: it binds, forks, reaps and spawns, and it offers
 * {@link NativeSpawn} but not {@link NativeChildPaths}. Every child is reaped (SIGKILL first when needed) even when a test fails, children
 * arm their own alarm, and the parent never blocks in {@code waitpid} without a deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FfmBackendSmokeTest {
    private static final int SIGKILL = 9;
    private static final int CHILD_ALARM_SECONDS = 20;
    private static final long DEADLINE_MILLIS = 15_000;

    private final FfmProcessForker forker = new FfmProcessForker();
    private final List<Integer> children = new ArrayList<>();
    private final List<Integer> fds = new ArrayList<>();

    @BeforeEach
    void backendIsAvailable() {
        String os = System.getProperty("os.name");
        String arch = System.getProperty("os.arch");
        boolean supported = "Linux".equals(os) && ("amd64".equals(arch) || "aarch64".equals(arch));
        assumeTrue(supported || forker.isAvailable(), "the ffm backend does not support " + os + " " + arch);
        assertThat(forker.unavailabilityCause())
            .as("why the ffm backend is unavailable")
            .isEmpty();
    }

    @AfterEach
    void reapChildrenAndCloseFds() {
        for (int pid : children) {
            try {
                forker.kill(pid, SIGKILL);
            } catch (ErrnoException ignored) {
                // already gone
            }
            try {
                forker.waitpid(pid, new int[1], 0);
            } catch (ErrnoException ignored) {
                // already reaped
            }
        }
        children.clear();
        for (int fd : fds) {
            try {
                forker.close(fd);
            } catch (ErrnoException ignored) {
                // already closed
            }
        }
        fds.clear();
    }

    @Test
    void isFoundByServiceLoader() {
        assertThat(ServiceLoader.load(ProcessForker.class).stream().map(ServiceLoader.Provider::type))
            .contains(FfmProcessForker.class);
        assertThat(forker.name()).isEqualTo("ffm");
    }

    @Test
    void spawnsNativelyButHasNoNativeChildPaths() {
        // a child of a fork downcall returns into Java: it cannot promise a child that runs no Java
        assertThat(forker).isInstanceOf(NativeSpawn.class).isNotInstanceOf(NativeChildPaths.class);
    }

    @Test
    void forkedChildExitCodeReachesWaitpidAndReapedPidGivesEchild() {
        forker.warmUpExit(0);
        forker.alarm(0);
        int pid = forker.fork();
        if (pid == 0) {
            forker.alarm(CHILD_ALARM_SECONDS);
            forker._exit(42);
        }
        children.add(pid);

        assertThat(await(pid).exitCode()).isEqualTo(42);
        assertThatThrownBy(() -> forker.waitpid(pid, new int[1], 0))
            .isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("ECHILD");
                assertThat(e.getMessage()).contains("waitpid(pid=" + pid);
            });
    }

    @Test
    void spawnedShellExitCodeReachesWaitpid() {
        int pid = spawn(new String[] {"/bin/sh", "-c", "exit 7"}, -1, -1, -1);
        assertThat(await(pid).exitCode()).isEqualTo(7);
    }

    @Test
    void spawnOfMissingProgramThrowsEnoentAndLeavesNoChild() {
        assumeNoChildren();
        assertThatThrownBy(() -> spawn(new String[] {"jfork-no-such-program-4711"}, -1, -1, -1))
            .isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("ENOENT");
                assertThat(e.operation()).isEqualTo("posix_spawnp(jfork-no-such-program-4711)");
            });
        assertThatThrownBy(() -> spawn(new String[] {"/nonexistent/jfork-no-such-program"}, -1, -1, -1))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"));
        // The failed child has been reaped (by glibc): no zombie is left to wait for.
        assertThatThrownBy(() -> forker.waitpid(-1, new int[1], WaitStatus.WNOHANG))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ECHILD"));
    }

    @Test
    void spawnedChildWritesToTheGivenStdoutAndHasNoOtherDescriptors() {
        int[] out = pipe();
        // An inheritable (not close-on-exec) descriptor numbered above 2: dup2 clears the flag.
        int[] spare = pipe();
        int leaked = spare[0];
        forker.dup2(out[1], leaked);
        // dash cannot redirect to a two-digit fd; look the descriptor up in /proc instead.
        String script = "echo hello; if [ -e /proc/$$/fd/" + leaked + " ]; then echo leaked; fi";
        int pid = spawn(new String[] {"sh", "-c", script}, -1, out[1], -1);
        closeFd(out[1]);
        closeFd(leaked);

        assertThat(readAll(out[0])).isEqualTo("hello\n");
        assertThat(await(pid).exited()).isTrue();
    }

    @Test
    void errorsCarryTheOperationAndErrno() {
        assertThatThrownBy(() -> forker.close(-1))
            .isInstanceOfSatisfying(ErrnoException.class, e -> {
                assertThat(e.errnoName()).isEqualTo("EBADF");
                assertThat(e.operation()).isEqualTo("close(fd=-1)");
            });
        assertThatThrownBy(() -> forker.kill(Integer.MAX_VALUE, 0))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ESRCH"));
        assertThatThrownBy(() -> forker.read(-1, new byte[1], 1))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("EBADF"));
    }

    @Test
    void primitivesWork() {
        assertThat(forker.getpid()).isEqualTo((int) ProcessHandle.current().pid());
        assertThat(forker.getppid()).isPositive();
        int[] p = pipe();
        assertThat(forker.write(p[1], bytes("abc"), 3)).isEqualTo(3);
        byte[] buffer = new byte[10];
        assertThat(forker.read(p[0], buffer, buffer.length)).isEqualTo(3);
        assertThat(new String(buffer, 0, 3, StandardCharsets.US_ASCII)).isEqualTo("abc");
        forker.closeOnExecFrom(1_000_000);
    }

    private void assumeNoChildren() {
        try {
            int r = forker.waitpid(-1, new int[1], WaitStatus.WNOHANG);
            assumeTrue(false, "this JVM has children already (waitpid(-1) gave " + r + ")");
        } catch (ErrnoException e) {
            assumeTrue("ECHILD".equals(e.errnoName()), e.getMessage());
        }
    }

    private int spawn(String[] argv, int in, int out, int err) {
        int pid = forker.spawn(argv, in, out, err);
        children.add(pid);
        return pid;
    }

    /** Waits for a child with a deadline; a child still running then is killed and the test fails. */
    private WaitStatus await(int pid) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MILLIS);
        int[] status = new int[1];
        while (true) {
            int r = forker.waitpid(pid, status, WaitStatus.WNOHANG);
            if (r == pid) {
                children.remove(Integer.valueOf(pid));
                return WaitStatus.of(status[0]);
            }
            if (System.nanoTime() - deadline > 0) {
                forker.kill(pid, SIGKILL);
                forker.waitpid(pid, status, 0);
                children.remove(Integer.valueOf(pid));
                return fail("child " + pid + " did not end within " + DEADLINE_MILLIS + " ms");
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted while waiting for child " + pid, e);
            }
        }
    }

    private int[] pipe() {
        int[] p = forker.pipe();
        fds.add(p[0]);
        fds.add(p[1]);
        return p;
    }

    private void closeFd(int fd) {
        forker.close(fd);
        fds.remove(Integer.valueOf(fd));
    }

    /** Reads to end of file; the writers' ends must be closed or held only by children. */
    private String readAll(int fd) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int n;
        while ((n = forker.read(fd, buffer, buffer.length)) > 0) {
            all.write(buffer, 0, n);
        }
        return all.toString(StandardCharsets.US_ASCII);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
