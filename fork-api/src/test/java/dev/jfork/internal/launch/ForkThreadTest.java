package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.Forker;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ForkThreadTest {
    @Test
    @DisplayName("work runs on jfork's forking thread, with the caller's context class loader, and its result comes back")
    void runsOnTheForkingThread() {
        Thread me = Thread.currentThread();
        ClassLoader own = me.getContextClassLoader();
        ClassLoader callers = new URLClassLoader(new URL[0], own);
        me.setContextClassLoader(callers);
        try {
            String[] seen = ForkThread.run(() -> new String[] {Thread.currentThread().getName(),
                String.valueOf(Thread.currentThread().getContextClassLoader() == callers),
                String.valueOf(ForkThread.requester() == me)}, null, null);
            assertThat(seen).containsExactly(ForkThread.THREAD_NAME, "true", "true");
        } finally {
            me.setContextClassLoader(own);
        }
        assertThat(ForkThread.run(() -> Thread.currentThread().getContextClassLoader() == own, null, null))
            .as("the loader is the caller's for each piece of work").isTrue();
    }

    @Test
    @DisplayName("a waiter interrupted while its work runs throws at once, keeps its interrupt status, and the result is ended")
    void interruptedWaiter() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<String> abandoned = new CompletableFuture<>();
        AtomicReference<Throwable> thrown = new AtomicReference<>();
        AtomicReference<Boolean> interruptKept = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                ForkThread.run(() -> {
                    running.countDown();
                    try {
                        release.await(20, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    return "child";
                }, abandoned::complete, () -> abandoned.complete("skipped"));
            } catch (Throwable t) {
                thrown.set(t);
                interruptKept.set(Thread.currentThread().isInterrupted());
            }
        });
        waiter.start();
        assertThat(running.await(10, TimeUnit.SECONDS)).isTrue();
        waiter.interrupt();
        waiter.join(10_000);
        assertThat(waiter.isAlive()).as("the interrupted waiter returned before the work ended").isFalse();
        assertThat(thrown.get()).isInstanceOf(dev.jfork.ChildFailureException.class).hasMessageContaining("interrupted");
        assertThat(interruptKept.get()).isTrue();
        release.countDown();
        assertThat(abandoned.get(10, TimeUnit.SECONDS)).as("what the work made is handed to ifAbandoned").isEqualTo("child");
        assertThat(ForkThread.run(() -> "next", null, null)).as("the thread goes on with the next work").isEqualTo("next");
    }

    @Test
    @DisplayName("a failure of the work reaches the waiter")
    void failureReachesTheWaiter() {
        assertThatThrownBy(() -> ForkThread.run(() -> {
            throw new IllegalArgumentException("no such redirect");
        }, null, null)).isInstanceOf(IllegalArgumentException.class).hasMessage("no such redirect");
    }

    @Test
    @DisplayName("-Dfork.maxChildren: 64 by default, a whole positive number, anything else refused with the property named")
    void maxChildrenProperty() {
        String before = System.getProperty(Forker.MAX_CHILDREN_PROPERTY);
        try {
            System.clearProperty(Forker.MAX_CHILDREN_PROPERTY);
            assertThat(ForkThread.maxChildren()).isEqualTo(Forker.DEFAULT_MAX_CHILDREN).isEqualTo(64);
            System.setProperty(Forker.MAX_CHILDREN_PROPERTY, " 5 ");
            assertThat(ForkThread.maxChildren()).isEqualTo(5);
            for (String bad : new String[] {"0", "-1", "many"}) {
                System.setProperty(Forker.MAX_CHILDREN_PROPERTY, bad);
                assertThatThrownBy(ForkThread::maxChildren).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("-Dfork.maxChildren=" + bad);
            }
        } finally {
            if (before == null) {
                System.clearProperty(Forker.MAX_CHILDREN_PROPERTY);
            } else {
                System.setProperty(Forker.MAX_CHILDREN_PROPERTY, before);
            }
        }
    }
}
