package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ForkHooks;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * At-fork hooks: before hooks run in reverse order and after hooks in registration order, each once
 * even for a fork made again, and a before hook that throws aborts the fork.
 * Part of the kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class ForkHooksKit extends SafeExecKit {
    @Nested
    @DisplayName("at-fork hooks")
    class Hooks {
        private final List<Runnable> registered = new ArrayList<>();

        @AfterEach
        void unregister() {
            registered.forEach(ForkHooks::unregister);
        }

        @Test
        @DisplayName("run before in reverse order, afterInParent and afterInChild in registration order")
        void order() throws Exception {
            List<String> parentSide = new ArrayList<>();
            StringBuilder childSide = new StringBuilder();
            for (String name : List.of("a", "b", "c")) {
                Runnable before = () -> parentSide.add("before-" + name);
                Runnable afterParent = () -> parentSide.add("parent-" + name);
                Runnable afterChild = () -> childSide.append("child-").append(name).append(' ');
                registered.addAll(List.of(before, afterParent, afterChild));
                ForkHooks.registerBefore(before);
                ForkHooks.registerAfterInParent(afterParent);
                ForkHooks.registerAfterInChild(afterChild);
            }
            ForkedProcess p = fork(() -> {
                System.out.print(childSide.toString().strip());
                return 0;
            }, SHORT.withStdout(Stdio.PIPE));
            assertThat(readAll(p.getInputStream())).isEqualTo("child-a child-b child-c");
            assertThat(p.waitFor()).isZero();
            assertThat(parentSide).containsExactly("before-c", "before-b", "before-a", "parent-a", "parent-b", "parent-c");
            assertThat(childSide.toString()).as("the parent's copy is untouched").isEmpty();
        }

        @Test
        @DisplayName("a fork made again because a watched thread ran during it runs each hook once")
        // the first fork of a JVM under emulation warms it up for 50 s and more (62 s on an arm64 JDK 25)
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        void busyForkMadeAgainRunsHooksOnce() throws Exception {
            List<String> parentSide = new ArrayList<>();
            Runnable before = () -> parentSide.add("before");
            Runnable afterParent = () -> parentSide.add("parent");
            registered.addAll(List.of(before, afterParent));
            ForkHooks.registerBefore(before);
            ForkHooks.registerAfterInParent(afterParent);
            // a thread named like jfork's own, awake for 50 us every 200 us: idle often enough for the
            // wait before the fork, and sure to run during the fork of a JVM (milliseconds)
            AtomicBoolean stop = new AtomicBoolean();
            CountDownLatch running = new CountDownLatch(1);
            Thread busy = new Thread(() -> {
                running.countDown();
                while (!stop.get()) {
                    long until = System.nanoTime() + 50_000;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    LockSupport.parkNanos(200_000);
                }
            }, Forker.THREAD_NAME_PREFIX + "kit-busy");
            busy.setDaemon(true);
            long restartsBefore = Forker.restartsBeforeStart();
            busy.start();
            Integer answer;
            try {
                // by now the thread carries its name where jfork looks (/proc/self/task/<tid>/comm)
                assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
                // on a loaded machine a fork may find no idle instant (and so nothing to compare); on an
                // arm64 JDK 25 under emulation, 10 calls in a row were never made again: calls, until one
                // of them was (at least 10, for at least 10 s times the kit's time scale); each runs
                // each hook exactly once
                answer = null;
                long started = System.nanoTime();
                for (int i = 0; Forker.restartsBeforeStart() == restartsBefore
                        && (i < 10 || System.nanoTime() - started < TimeUnit.MILLISECONDS.toNanos(bound(10_000))); i++) {
                    parentSide.clear();
                    answer = safe.call(() -> 42, SHORT);
                    assertThat(parentSide).as("call %d", i).containsExactly("before", "parent");
                }
            } finally {
                stop.set(true);
                busy.join(5000);
            }
            assertThat(busy.isAlive()).isFalse();
            assertThat(answer).isEqualTo(42);
            assertThat(Forker.restartsBeforeStart() - restartsBefore)
                .as("children discarded before their go byte and forked again").isPositive();
        }

        @Test
        @DisplayName("a before hook that throws aborts the fork: no child is made")
        void throwingBeforeHookAborts() {
            Runnable failing = () -> {
                throw new IllegalStateException("hook says no");
            };
            registered.add(failing);
            ForkHooks.registerBefore(failing);
            List<Long> before = ProcessHandle.current().children().map(ProcessHandle::pid).toList();
            assertThatThrownBy(() -> safe.fork(() -> 0, SHORT)).hasMessage("hook says no");
            assertThat(ProcessHandle.current().children().map(ProcessHandle::pid).toList()).isEqualTo(before);
        }
    }
}
