package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class ForkSafeLockTest {
    private static final long HELD_MILLIS = 1500;

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    @DisplayName("an interrupted thread waiting for the lock sleeps, not spins, and keeps its interrupt status")
    void anInterruptedWaiterDoesNotSpin() throws Exception {
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        Assumptions.assumeTrue(mx.isCurrentThreadCpuTimeSupported(), "no per-thread CPU time here");
        ForkSafeLock lock = new ForkSafeLock();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread holder = new Thread(() -> {
            lock.lock();
            held.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                lock.unlock();
            }
        }, "holder");
        holder.start();
        held.await();
        AtomicLong cpuNanos = new AtomicLong(-1);
        AtomicLong wallNanos = new AtomicLong(-1);
        AtomicBoolean stillInterrupted = new AtomicBoolean();
        Thread waiter = new Thread(() -> {
            Thread.currentThread().interrupt();
            long cpu = mx.getCurrentThreadCpuTime();
            long wall = System.nanoTime();
            lock.lock();
            wallNanos.set(System.nanoTime() - wall);
            cpuNanos.set(mx.getCurrentThreadCpuTime() - cpu);
            stillInterrupted.set(Thread.currentThread().isInterrupted());
            lock.unlock();
        }, "interrupted waiter");
        waiter.start();
        Thread.sleep(HELD_MILLIS);
        release.countDown();
        waiter.join(10_000);
        holder.join(10_000);
        assertThat(waiter.isAlive()).as("the waiter got the lock once it was released").isFalse();
        assertThat(wallNanos.get()).as("it waited while the lock was held")
            .isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(HELD_MILLIS / 2));
        assertThat(TimeUnit.NANOSECONDS.toMillis(cpuNanos.get()))
            .as("CPU ms used by an interrupted thread waiting %d ms for the lock", HELD_MILLIS)
            .isLessThan(HELD_MILLIS / 5);
        assertThat(stillInterrupted).as("its interrupt status is kept").isTrue();
    }
}
