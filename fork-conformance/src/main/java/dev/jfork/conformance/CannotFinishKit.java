package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ForkHooks;
import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * A child that cannot finish (it needs a GC, or waits for a lock or a thread it does not have) is
 * reported deadlocked within a second, never only at its deadline. Part of the kit that every backend
 * runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class CannotFinishKit extends EverydayJavaKit {
    /** Far beyond the 1 s in which a deadlock must be known: a deadline hang would show. */
    private static final ForkOptions LONG = ForkOptions.defaults().withDeadline(Duration.ofSeconds(30));
    /** Set in a forked child by a {@code ForkHooks.registerAfterInChild} hook of one test. */
    private static volatile boolean inForkedChild;

    private Forker calls;

    @BeforeEach
    void createCannotFinishCaller() {
        calls = Forker.of(forker);
    }

    @Nested
    @DisplayName("a child that cannot finish is known within a second")
    class CannotFinish {
        @Test
        @DisplayName("Object.wait(): deadlocked, with why and what to do")
        void objectWait() {
            assertDeadlocked("in Object.wait()", () -> {
                Object lock = new Object();
                synchronized (lock) {
                    lock.wait();
                }
                return 1;
            });
        }

        @Test
        @DisplayName("LockSupport.park(): deadlocked, as parked")
        void park() {
            assertDeadlocked("parked (LockSupport.park", () -> {
                LockSupport.park();
                LockSupport.park();
                return 1;
            });
        }

        @Test
        @DisplayName("System.gc(): deadlocked, in System.gc()")
        void garbageCollection() {
            assertDeadlocked("in System.gc()", () -> {
                System.gc();
                return 1;
            });
        }

        @Test
        @DisplayName("synchronized on a monitor another thread held at the fork: deadlocked (JDK 17 parks it with a timeout)")
        void monitorHeldAtFork() throws Exception {
            Object monitor = new Object();
            CountDownLatch held = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            Thread holder = new Thread(() -> {
                synchronized (monitor) {
                    held.countDown();
                    try {
                        release.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                }
            }, "kit-monitor-holder");
            holder.start();
            try {
                assertThat(held.await(10, TimeUnit.SECONDS)).isTrue();
                java.util.concurrent.Callable<Integer> enter = () -> {
                    synchronized (monitor) {
                        return 1;
                    }
                };
                if (!ProcFs.emulated()) {
                    assertDeadlocked("entering a synchronized block", enter);
                } else {
                    // JDK 17's timed park is told from the child's stack, and under emulation the kernel shows
                    // the emulator's: the wait is recognised only when a word of the guest's happens to lie
                    // there (CI: once at 13.5 s, once not at all). It ends either way, and a hang says why.
                    ForkOptions shorter = ForkOptions.defaults().withDeadline(Duration.ofMillis(bound(2000)));
                    assertThatThrownBy(() -> calls.call(enter, shorter))
                        .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                            ChildEnd.Kind kind = e.end().orElseThrow().kind();
                            assertThat(kind).isIn(ChildEnd.Kind.DEADLOCKED, ChildEnd.Kind.HUNG);
                            assertThat(e.getMessage()).contains(kind == ChildEnd.Kind.HUNG
                                ? "it was asleep in a timed wait" : "deadlocked");
                        });
                }
            } finally {
                release.countDown();
                holder.join(10_000);
            }
            assertThat(holder.isAlive()).isFalse();
        }

        @Test
        @DisplayName("a forked task that waits: its Process ends DEADLOCKED, not HUNG")
        void forkedTaskDeadlocked() throws Exception {
            ForkedProcess p = calls.fork(() -> {
                Object lock = new Object();
                synchronized (lock) {
                    lock.wait();
                }
                return 0;
            }, LONG);
            assertEndsDeadlocked(p);
            assertThat(p.deadlockedAfterMillis()).isBetween(0L, bound(1000));
            assertThat(p.toString()).contains("deadlocked");
            if (!ProcFs.emulated()) {
                assertThat(p.deadlockCause()).get().asString().startsWith("in Object.wait()");
            }
        }

        @Test
        @DisplayName("a thread the task started needs a GC while the task joins it: all its threads wait, deadlocked")
        void startedThreadNeedsGc() {
            assertDeadlocked("all 2 of its threads wait for ever; one is in System.gc()", () -> {
                Thread collector = new Thread(System::gc, "kit-child-gc");
                collector.start();
                collector.join();
                return 1;
            });
        }

        @Test
        @DisplayName("a thread the task started sleeps, then answers, while the task joins it: not a deadlock")
        void startedThreadSleepsThenAnswers() {
            assertThat(calls.call(() -> {
                int[] answer = new int[1];
                Thread helper = new Thread(() -> {
                    try {
                        Thread.sleep(300);
                    } catch (InterruptedException e) {
                        return;
                    }
                    answer[0] = 42;
                }, "kit-child-helper");
                helper.start();
                helper.join();
                return answer[0];
            }, LONG)).isEqualTo(42);
        }

        @Test
        @DisplayName("System.exit in a forked task: DEADLOCKED within a second, and the cause says System.exit")
        void systemExitInChild() throws Exception {
            ForkedProcess p = calls.fork(() -> {
                System.exit(3);
                return 0;
            }, LONG);
            assertEndsDeadlocked(p);
            // told by the lock it sleeps on (HotSpot's Terminator_lock), which reads the same under emulation
            assertThat(p.deadlockCause()).get().asString().startsWith("in System.exit or Runtime.halt")
                .contains("return");
            assertThat(p.toString()).contains("System.exit");
        }

        @Test
        @DisplayName("System.exit in a child runs the parent's shutdown hooks there first, as the cause says;"
            + " one guarded by a registerAfterInChild flag does nothing")
        void shutdownHooksInChild() throws Exception {
            Path marks = Files.createTempFile("jfork-kit-hooks-", ".txt");
            Runnable flag = () -> inForkedChild = true;
            Thread guarded = new Thread(() -> {
                if (!inForkedChild) {
                    mark(marks, "guarded hook acted");
                }
            });
            Thread unguarded = new Thread(() -> mark(marks, "unguarded hook ran"));
            ForkHooks.registerAfterInChild(flag);
            Runtime.getRuntime().addShutdownHook(guarded);
            Runtime.getRuntime().addShutdownHook(unguarded);
            try {
                // the hooks' own code, run once here, so that the child loads nothing new for it
                mark(marks, "");
                ForkedProcess p = calls.fork(() -> {
                    System.exit(3);
                    return 0;
                }, LONG);
                assertEndsDeadlocked(p);
                assertThat(p.deadlockCause()).get().asString().contains("shutdown hooks")
                    .contains("ForkHooks.registerAfterInChild");
                // Shutdown.exit joins the hooks' threads before it halts: both were done when it deadlocked
                assertThat(Files.readString(marks)).contains("unguarded hook ran").doesNotContain("guarded hook acted");
            } finally {
                Runtime.getRuntime().removeShutdownHook(guarded);
                Runtime.getRuntime().removeShutdownHook(unguarded);
                ForkHooks.unregister(flag);
                Files.deleteIfExists(marks);
            }
        }

        /** The forked child ends {@code DEADLOCKED} within a second, not at its 30 s deadline. */
        private void assertEndsDeadlocked(ForkedProcess p) throws InterruptedException {
            long start = System.nanoTime();
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(bound(1000));
            assertThat(p.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.DEADLOCKED);
        }

        /**
         * The message names the cause found on the child's stack; under user-mode emulation, where the
         * kernel shows the emulator's stack, the list of likely causes or what the lock alone tells.
         */
        private void assertDeadlocked(String cause, java.util.concurrent.Callable<Integer> task) {
            // a JVM's first fork pays its warm-up (a second natively, more under emulation): not timed here
            calls.warmUp();
            long start = System.nanoTime();
            assertThatThrownBy(() -> calls.call(task, LONG))
                .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                    assertThat(e.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.DEADLOCKED);
                    assertThat(e.getMessage()).contains("deadlocked").contains("ms after it started");
                    if (ProcFs.emulated()) {
                        assertThat(e.getMessage()).containsAnyOf(cause, "Forker.preload", "waiting for the VM thread");
                    } else {
                        assertThat(e.getMessage()).contains(", " + cause);
                    }
                });
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start))
                .as("known within %d ms, not at the 30 s deadline", bound(1000)).isLessThan(bound(1000));
        }
    }

    private static void mark(Path file, String line) {
        try {
            Files.writeString(file, line + "\n", StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
