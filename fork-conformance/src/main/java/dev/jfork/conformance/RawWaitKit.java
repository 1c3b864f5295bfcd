package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ErrnoException;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Waiting for and signalling raw children: waitpid and waitid and their errors, kill and its errors,
 * and many children (in a row, from two threads at once), each reaped once. Part of the kit that every backend runs through
 * {@link ProcessForkerCompatibilityKit}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class RawWaitKit extends RawPipesKit {
    @Nested
    @DisplayName("waitpid")
    class Waitpid {
        @Test
        @DisplayName("with WNOHANG on a live child says it is still running")
        void wnohangOnLiveChild() {
            int[] go = pipe();
            int pid = children.fork(() -> forker.read(go[0], new byte[1], 1) == 1 ? 0 : 1);
            try {
                int[] status = new int[1];
                assertThat(forker.waitpid(pid, status, WaitStatus.WNOHANG)).isZero();
                children.writeString(go[1], "g");
                assertThat(children.await(pid).exitCode()).isZero();
            } finally {
                closeAll(go[0], go[1]);
            }
        }

        @Test
        @DisplayName("on a child already reaped fails with ECHILD")
        void reapedChildFails() {
            int pid = children.fork(() -> 0);
            children.await(pid);
            assertThatThrownBy(() -> forker.waitpid(pid, new int[1], 0))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errno()).isEqualTo(10);
                    assertThat(e.errnoName()).isEqualTo("ECHILD");
                    assertThat(e.getMessage()).contains("waitpid", String.valueOf(pid), "ECHILD", "No child processes");
                });
        }

        @Test
        @DisplayName("waitid(WNOWAIT) returns once the child has ended and leaves it unreaped, with its status for waitpid")
        void waitidLeavesTheChildUnreaped() throws Exception {
            int[] go = pipe();
            int pid = children.fork(() -> forker.read(go[0], new byte[1], 1) == 1 ? 42 : 1);
            ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
            try {
                timer.schedule(() -> children.writeString(go[1], "g"), 100, TimeUnit.MILLISECONDS);
                // this test's bound: a child that never ends is killed, which ends the wait too
                timer.schedule(() -> forker.kill(pid, Signals.SIGKILL), RawChildren.PARENT_DEADLINE_MILLIS,
                    TimeUnit.MILLISECONDS);
                forker.awaitExitWithoutReaping(pid);
                timer.shutdownNow();
                assertThat(processState(pid)).as("state of child %d after waitid(WNOWAIT)", pid).isEqualTo('Z');
                WaitStatus status = children.await(pid);
                assertThat(status.exited()).isTrue();
                assertThat(status.exitCode()).isEqualTo(42);
            } finally {
                timer.shutdownNow();
                timer.awaitTermination(5, TimeUnit.SECONDS);
                closeAll(go[0], go[1]);
            }
        }

        @Test
        @DisplayName("waitid(WNOWAIT) on a process that is not our child fails with ECHILD")
        void waitidOnForeignPidFails() {
            int notOurs = forker.getppid();
            assertThatThrownBy(() -> forker.awaitExitWithoutReaping(notOurs))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("ECHILD");
                    assertThat(e.getMessage()).contains("waitid", String.valueOf(notOurs));
                });
        }

        @Test
        @DisplayName("on a process that is not our child fails with ECHILD")
        void foreignPidFails() {
            int notOurs = forker.getppid();
            assertThatThrownBy(() -> forker.waitpid(notOurs, new int[1], WaitStatus.WNOHANG))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ECHILD"));
        }
    }

    @Nested
    @DisplayName("kill")
    class Kill {
        @Test
        @DisplayName("with an invalid signal fails with EINVAL")
        void invalidSignal() {
            assertThatThrownBy(() -> forker.kill(forker.getpid(), 999))
                .isInstanceOfSatisfying(ErrnoException.class, e -> {
                    assertThat(e.errnoName()).isEqualTo("EINVAL");
                    assertThat(e.getMessage()).contains("kill", "999");
                });
        }

        @Test
        @DisplayName("on a dead, reaped pid fails with ESRCH")
        void deadPid() {
            int pid = children.fork(() -> 0);
            children.await(pid);
            assertThatThrownBy(() -> forker.kill(pid, Signals.SIGTERM))
                .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ESRCH"));
        }

        @Test
        @DisplayName("with signal 0 on a live child succeeds")
        void signalZeroProbes() {
            int[] go = pipe();
            int pid = children.fork(() -> forker.read(go[0], new byte[1], 1) == 1 ? 0 : 1);
            try {
                forker.kill(pid, 0);
                children.writeString(go[1], "g");
                assertThat(children.await(pid).exitCode()).isZero();
            } finally {
                closeAll(go[0], go[1]);
            }
        }
    }

    @Nested
    @DisplayName("many children")
    class Many {
        @Test
        @DisplayName("200 forks in a row are all reaped, and no zombie child of the JVM remains")
        void twoHundredInARow() {
            for (int i = 0; i < 200; i++) {
                int code = i % 256;
                assertThat(children.await(children.fork(() -> code)).exitCode()).isEqualTo(code);
            }
            assertThat(ProcFs.zombieChildrenOf(ProcessHandle.current().pid())).isEmpty();
        }

        @Test
        @DisplayName("two threads forking at once each get their own children's statuses")
        void twoThreadsForkAtOnce() throws Exception {
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<List<Integer>>> results = new ArrayList<>();
                for (int t = 0; t < 2; t++) {
                    int base = t * 100;
                    Callable<List<Integer>> job = () -> {
                        List<Integer> codes = new ArrayList<>();
                        for (int i = 0; i < 50; i++) {
                            int code = base + i;
                            codes.add(children.await(children.fork(() -> code)).exitCode());
                        }
                        return codes;
                    };
                    results.add(pool.submit(job));
                }
                for (int t = 0; t < 2; t++) {
                    List<Integer> expected = new ArrayList<>();
                    for (int i = 0; i < 50; i++) {
                        expected.add(t * 100 + i);
                    }
                    assertThat(results.get(t).get(50, TimeUnit.SECONDS)).isEqualTo(expected);
                }
            } finally {
                pool.shutdownNow();
                assertThat(pool.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
            }
        }
    }
}
