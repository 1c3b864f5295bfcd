package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.IdleMoment;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.spi.ProcessForker;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The raw SPI's fork: a child runs, ends with a wait status, and has its own copy of memory. Also the
 * base of the whole kit (the first class of its chain, which backends run through
 * {@link ProcessForkerCompatibilityKit}, unchanged): it makes the backend under test for each test,
 * the kit's time bounds ({@link #bound}), and the one place where every test's children are reaped
 * and accounted for.
 *
 * <p>An unavailable backend fails every test here; it never skips. Each test reaps every child it
 * made, even when it fails: raw children through {@link #children}, and whatever a room started
 * through the safe layer through {@code tracked} ({@link TrackedChildren}), ended before the test's
 * zombies and pipes are counted. Each raw child has an {@code alarm} deadline as well as a
 * parent-side SIGKILL deadline.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RawSpiKit {
    /**
     * Multiplies the kit's time-to-know bounds (a deadlock known within a second, say) by a whole number,
     * for a machine that runs everything several times slower than hardware, such as an arm64 JVM under
     * qemu-user emulation, where the kit checks correctness, not timing; 1 (the promise as made) unless set.
     */
    public static final String TIME_SCALE_PROPERTY = "fork.kit.timeScale";

    /**
     * A time bound of the kit, as this machine is held to it.
     *
     * @param millis the bound on hardware
     * @return {@code millis} times {@value #TIME_SCALE_PROPERTY} (at least 1)
     */
    public static long bound(long millis) {
        String scale = System.getProperty(TIME_SCALE_PROPERTY, "1").strip();
        try {
            return millis * Math.max(1, Integer.parseInt(scale));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + TIME_SCALE_PROPERTY + " must be a whole number, was '" + scale + "'", e);
        }
    }

    /** The backend under test, new for each test. */
    protected ProcessForker forker;
    /** The children of the running test. */
    protected RawChildren children;
    /** What the running test started through the safe layer (or as any {@link Process}): ended after it. */
    final TrackedChildren tracked = new TrackedChildren();
    private TreeSet<String> pipesBefore;
    private String testName;

    /**
     * Creates the backend under test.
     *
     * @return a new instance of the backend
     */
    protected abstract ProcessForker createBackend();

    @BeforeEach
    void requireAvailableBackend(TestInfo test) {
        testName = test.getDisplayName() + " in " + test.getTestClass().map(Class::getSimpleName).orElse("?");
        forker = createBackend();
        assertThat(forker.unavailabilityCause())
            .as("backend %s must be available in its own module", forker.name())
            .isEmpty();
        children = new RawChildren(forker);
        children.warmUp();
        pipesBefore = ProcFs.openPipes();
    }

    @AfterEach
    void reapAndAccount() throws InterruptedException {
        List<String> unreaped = tracked.endAll();
        if (children == null) {
            assertThat(unreaped).as("tracked children not reaped").isEmpty();
            return;
        }
        int left = children.reapAll();
        assertThat(unreaped).as("tracked children not reaped").isEmpty();
        assertThat(left).as("children the test left unreaped").isZero();
        // a cancelled call's child is reaped by jfork's reader of its answer, a moment later
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(TrackedChildren.REAP_SECONDS);
        while (!ProcFs.zombieChildrenOf(ProcessHandle.current().pid()).isEmpty() && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertThat(ProcFs.zombieChildrenOf(ProcessHandle.current().pid())).as("zombie children").isEmpty();
        // a pipe closed by another thread (a reaper, a diagnostic) may take a moment; a new one must not stay
        TreeSet<String> leaked = new TreeSet<>(ProcFs.openPipes());
        for (int i = 0; i < 100; i++) {
            leaked = new TreeSet<>(ProcFs.openPipes());
            leaked.removeAll(pipesBefore);
            if (leaked.isEmpty()) {
                break;
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (!leaked.isEmpty()) {
            throw new AssertionError("pipe descriptors the test (" + testName + ") left open: "
                + ProcFs.describePipes(leaked));
        }
    }

    /** A new pipe of the backend under test: read end, write end. */
    int[] pipe() {
        return forker.pipe();
    }

    /** The state letter of {@code /proc/<pid>/stat}: R, S, Z and so on. */
    static char processState(int pid) throws java.io.IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    /** Closes these descriptors through the backend under test. */
    void closeAll(int... fds) {
        for (int fd : fds) {
            forker.close(fd);
        }
    }

    @Nested
    @DisplayName("fork")
    class Fork {
        @Test
        @DisplayName("returns 0 in the child and the child's pid in the parent, and getpid/getppid agree")
        // up to three bare forks, each child ended by its own alarm if it hangs
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        void returnsZeroInChildAndPidInParent() {
            int parentPid = forker.getpid();
            // made in the parent: the child only writes into it
            ByteBuffer b = ByteBuffer.allocate(12);
            int alarmSeconds = (int) Math.max(2, bound(2000) / 1000);
            for (int attempt = 1; ; attempt++) {
                int[] p = pipe();
                // a bare fork, with none of RawChildren's care: land it when the JVM's threads are idle
                IdleMoment.await(java.time.Duration.ofMillis(200));
                int pid = forker.fork();
                if (pid == 0) {
                    // the child: report fork's return, getpid and getppid; never return into the test
                    try {
                        forker.alarm(alarmSeconds);
                        b.putInt(0, pid).putInt(4, forker.getpid()).putInt(8, forker.getppid());
                        forker.write(p[1], b.array(), 12);
                    } finally {
                        forker._exit(0);
                    }
                }
                ByteBuffer reported;
                int[] status = new int[1];
                try {
                    forker.close(p[1]);
                    reported = ByteBuffer.wrap(children.readAll(p[0]));
                } finally {
                    forker.close(p[0]);
                    forker.waitpid(pid, status, 0);
                }
                assertThat(pid).isPositive();
                // a bare fork of a multi-threaded JVM can hang the child (CI, once: its alarm ended it after
                // 20 s, nothing written): what fork returned is what is tested here, so such a child is forked
                // again, at most twice
                if (reported.remaining() == 0 && WaitStatus.of(status[0]).signaled() && attempt < 3) {
                    continue;
                }
                assertThat(reported.remaining()).as("bytes from child %d, %s", pid, WaitStatus.of(status[0]))
                    .isEqualTo(12);
                assertThat(reported.getInt()).as("fork() in the child").isZero();
                assertThat(reported.getInt()).as("the child's getpid()").isEqualTo(pid);
                assertThat(reported.getInt()).as("the child's getppid()").isEqualTo(parentPid);
                return;
            }
        }

        @Test
        @DisplayName("getpid in the parent is the JVM's own pid")
        void getpidIsTheJvmPid() {
            assertThat((long) forker.getpid()).isEqualTo(ProcessHandle.current().pid());
        }

        @Test
        @DisplayName("getppid in the parent is the JVM's parent pid")
        void getppidIsTheJvmParent() {
            assertThat((long) forker.getppid()).isEqualTo(ProcessHandle.current().parent().orElseThrow().pid());
        }

        @Test
        @DisplayName("the parent's code after the fork runs exactly once: the child never returns into the test")
        void codeAfterForkRunsOnce() {
            int[] p = pipe();
            int pid = children.fork(() -> {
                children.writeString(p[1], "C");
                return 0;
            });
            children.writeString(p[1], "P");
            forker.close(p[1]);
            assertThat(children.await(pid).exitCode()).isZero();
            String marks = children.readString(p[0]);
            forker.close(p[0]);
            assertThat(marks.chars().filter(c -> c == 'P').count()).as("parent marks in " + marks).isEqualTo(1);
            assertThat(marks.chars().filter(c -> c == 'C').count()).as("child marks in " + marks).isEqualTo(1);
        }

        @Test
        @DisplayName("a child made of no Java at all ends with _exit and is reaped")
        void childExitsAtOnce() {
            int pid = forker.fork();
            if (pid == 0) {
                forker._exit(3);
            }
            int[] status = new int[1];
            assertThat(forker.waitpid(pid, status, 0)).isEqualTo(pid);
            assertThat(WaitStatus.of(status[0]).exitCode()).isEqualTo(3);
        }
    }

    @Nested
    @DisplayName("wait status")
    class Status {
        @ParameterizedTest(name = "exit code {0} arrives exactly")
        @ValueSource(ints = {0, 1, 42, 255})
        void exitCodesArriveExactly(int code) {
            WaitStatus status = children.await(children.fork(() -> code));
            assertThat(status.exited()).as(status.toString()).isTrue();
            assertThat(status.signaled()).isFalse();
            assertThat(status.exitCode()).isEqualTo(code);
        }

        @Test
        @DisplayName("an exit code above 255 keeps only its low 8 bits, as in C")
        void exitCodeIsTruncated() {
            assertThat(children.await(children.fork(() -> 256 + 7)).exitCode()).isEqualTo(7);
        }

        @ParameterizedTest(name = "a child killed by signal {0} decodes as signalled with that number")
        @ValueSource(ints = {Signals.SIGTERM, Signals.SIGKILL})
        void signalDeathsDecode(int signal) {
            int[] ready = pipe();
            int[] never = pipe();
            int pid = children.fork(() -> {
                forker.resetSignal(Signals.SIGTERM);
                children.writeString(ready[1], "R");
                forker.read(never[0], new byte[1], 1);
                return 0;
            });
            try {
                forker.close(ready[1]);
                assertThat(forker.read(ready[0], new byte[1], 1)).as("child ready").isEqualTo(1);
                forker.kill(pid, signal);
                WaitStatus status = children.await(pid);
                assertThat(status.signaled()).as(status.toString()).isTrue();
                assertThat(status.exited()).isFalse();
                assertThat(status.termSignal()).isEqualTo(signal);
            } finally {
                closeAll(ready[0], never[0], never[1]);
            }
        }

        @Test
        @DisplayName("a child whose own alarm fires decodes as killed by SIGALRM")
        void alarmEndsAChild() {
            int[] never = pipe();
            int pid = children.fork(() -> {
                forker.alarm(1);
                forker.read(never[0], new byte[1], 1);
                return 0;
            });
            try {
                WaitStatus status = children.await(pid);
                assertThat(status.signaled()).as(status.toString()).isTrue();
                assertThat(status.termSignal()).isEqualTo(Signals.SIGALRM);
            } finally {
                closeAll(never[0], never[1]);
            }
        }
    }

    @Nested
    @DisplayName("memory after fork")
    class Memory {
        private int[] shared = {17};

        @Test
        @DisplayName("a value set before the fork is seen in the child")
        void childSeesParentsValue() {
            shared[0] = 4242;
            int pid = children.fork(() -> shared[0] == 4242 ? 0 : 1);
            assertThat(children.await(pid).exitCode()).isZero();
        }

        @Test
        @DisplayName("a change in the child is not seen in the parent: memory is a copy")
        void childChangeIsNotShared() {
            int[] p = pipe();
            int pid = children.fork(() -> {
                shared[0] = -1;
                children.writeString(p[1], "changed " + shared[0]);
                return 0;
            });
            forker.close(p[1]);
            String said = children.readString(p[0]);
            forker.close(p[0]);
            assertThat(children.await(pid).exitCode()).isZero();
            assertThat(said).isEqualTo("changed -1");
            assertThat(shared[0]).isEqualTo(17);
        }
    }
}
