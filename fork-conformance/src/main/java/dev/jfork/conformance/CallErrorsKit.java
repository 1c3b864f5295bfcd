package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildFailureException;
import dev.jfork.ForkHooks;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * How call fails: a failure in the child comes back as the cause (a result whose writeObject throws,
 * an afterInChild hook that throws, an exception without a String constructor, a result too deep to
 * read back), and cancelling or interrupting a call kills the child. Part of the kit that every backend runs
 * through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class CallErrorsKit extends SafeLayerPromisesKit {
    @Nested
    @DisplayName("call keeps causes and obeys cancellation")
    class CallErrors {
        @Test
        @DisplayName("a result whose writeObject throws fails with that exception as the cause")
        void failingWriteObject() {
            assertThatThrownBy(() -> jfork.call(FailsToSerialize::new, SHORT))
                .isInstanceOfSatisfying(ChildFailureException.class, e -> {
                    assertThat(e.getCause()).as("cause of %s", e.toString()).isInstanceOf(IllegalStateException.class)
                        .hasMessage("no serialising me");
                    assertThat(e.getMessage()).contains(FailsToSerialize.class.getName())
                        .contains("IllegalStateException: no serialising me");
                });
        }

        @Test
        @DisplayName("an afterInChild hook that throws fails the call with the hook's exception as the cause")
        void throwingChildHook() {
            Runnable hook = () -> {
                throw new IllegalStateException("hook says no");
            };
            ForkHooks.registerAfterInChild(hook);
            try {
                assertThatThrownBy(() -> jfork.call(() -> 1, SHORT))
                    .isInstanceOfSatisfying(ChildFailureException.class,
                        e -> assertThat(e.getCause()).as("the cause of %s", e)
                            .isInstanceOf(IllegalStateException.class).hasMessage("hook says no"));
            } finally {
                ForkHooks.unregister(hook);
            }
        }

        @Test
        @DisplayName("cancelling callAsync kills the child")
        void cancelKillsTheChild() throws Exception {
            int[] pidPipe = forker.pipe();
            CompletableFuture<Integer> f;
            long pid;
            try {
                f = jfork.callAsync(() -> {
                    children.writeString(pidPipe[1], forker.getpid() + "\n");
                    Thread.sleep(30_000);
                    return 1;
                }, SHORT);
                // callAsync returns before its fork: the write end stays open until the child has it
                pid = readPid(pidPipe[0]);
            } finally {
                forker.close(pidPipe[1]);
            }
            forker.close(pidPipe[0]);
            assertThat(f.cancel(true)).isTrue();
            assertThat(f.isCancelled()).isTrue();
            assertThatThrownBy(f::join).isInstanceOf(java.util.concurrent.CancellationException.class);
            assertGone(pid);
        }

        @Test
        @DisplayName("interrupting a thread in call() kills the child and returns at once, interrupt flag set")
        void interruptedCall() throws Exception {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            AtomicReference<Boolean> flag = new AtomicReference<>();
            int[] pidPipe = forker.pipe();
            Thread caller = new Thread(() -> {
                try {
                    jfork.call(() -> {
                        children.writeString(pidPipe[1], forker.getpid() + "\n");
                        Thread.sleep(30_000);
                        return 1;
                    }, SHORT);
                } catch (Throwable t) {
                    thrown.set(t);
                    flag.set(Thread.currentThread().isInterrupted());
                }
            }, "caller");
            caller.start();
            long pid;
            try {
                pid = readPid(pidPipe[0]);
            } finally {
                forker.close(pidPipe[0]);
            }
            forker.close(pidPipe[1]);
            caller.interrupt();
            caller.join(5000);
            assertThat(caller.isAlive()).as("call() returned after the interrupt").isFalse();
            assertThat(thrown.get()).isInstanceOf(ChildFailureException.class)
                .hasCauseInstanceOf(InterruptedException.class);
            assertThat(flag.get()).isTrue();
            assertGone(pid);
        }

        @Test
        @DisplayName("a result nested too deep to read back fails with ChildFailureException")
        void deepResult() {
            assertThatThrownBy(() -> jfork.call(() -> {
                Link head = null;
                for (int i = 0; i < 50_000; i++) {
                    head = new Link(head);
                }
                return head;
            }, SHORT)).isInstanceOf(ChildFailureException.class);
        }

        @Test
        @DisplayName("an exception without a (String) constructor keeps its class name in the message")
        void originalExceptionClassIsNamed() {
            assertThatThrownBy(() -> jfork.call(() -> java.util.regex.Pattern.compile("(unclosed"), SHORT))
                .isInstanceOf(ChildFailureException.class)
                .hasMessageContaining("threw PatternSyntaxException");
        }

        /** One line with a pid, read byte by byte: the child holds the write end until it dies. */
        private long readPid(int fd) {
            StringBuilder line = new StringBuilder();
            byte[] one = new byte[1];
            while (forker.read(fd, one, 1) == 1 && one[0] != '\n') {
                line.append((char) one[0]);
            }
            return Long.parseLong(line.toString());
        }

        private void assertGone(long pid) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
            while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
                .as("child %d is gone", pid).isFalse();
        }
    }

    /** A result that refuses to be serialised. */
    static final class FailsToSerialize implements Serializable {
        private static final long serialVersionUID = 1L;

        private void writeObject(ObjectOutputStream out) {
            throw new IllegalStateException("no serialising me");
        }
    }

    /** One link of a long chain. */
    static final class Link implements Serializable {
        private static final long serialVersionUID = 1L;
        final Link next;

        Link(Link next) {
            this.next = next;
        }
    }
}
