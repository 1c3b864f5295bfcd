package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.Forker;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

@DisplayName("the fork lands when the JVM's threads are idle")
@EnabledOnOs(OS.LINUX)
@Timeout(30)
class VmQuiescenceTest {

    @Test
    @DisplayName("a watched thread that runs after the idle moment makes it busy")
    void aThreadThatRanSinceTheMomentIsSeen() throws Exception {
        CountDownLatch go = new CountDownLatch(1);
        CountDownLatch parked = new CountDownLatch(1);
        Thread spinner = new Thread(() -> {
            parked.countDown();
            try {
                go.await();
            } catch (InterruptedException e) {
                return;
            }
            long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50);
            while (System.nanoTime() < until) {
                Thread.onSpinWait();
            }
        }, Forker.THREAD_NAME_PREFIX + "test-spinner");
        spinner.setDaemon(true);
        spinner.start();
        try {
            parked.await();
            VmQuiescence.IdleMoment moment = null;
            for (int i = 0; i < 20 && moment == null; i++) {
                // the spinner parks a moment after counting down
                moment = VmQuiescence.awaitIdleMoment(Duration.ofSeconds(1));
            }
            assertThat(moment).as("an idle moment within 20 s").isNotNull();
            go.countDown();
            spinner.join(5000);
            assertThat(moment.stayedIdle()).isFalse();
        } finally {
            go.countDown();
            spinner.join(5000);
        }
    }

    @Test
    @DisplayName("jfork's own thread that asks does not wait for itself")
    void theCallingThreadIsNotWatched() throws Exception {
        AtomicReference<Boolean> idle = new AtomicReference<>();
        Thread caller = new Thread(() -> {
            // a running thread named like jfork's: were it watched, it would never see itself idle
            boolean seen = false;
            for (int i = 0; i < 20 && !seen; i++) {
                seen = VmQuiescence.awaitIdle(Duration.ofSeconds(1));
            }
            idle.set(seen);
        }, Forker.THREAD_NAME_PREFIX + "test-caller");
        caller.start();
        caller.join(25_000);
        assertThat(idle.get()).isTrue();
    }
}
