package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.internal.launch.DeadlockCause.Kind;
import dev.jfork.internal.vm.LibjvmSymbols;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("what a deadlocked child waits in, told from its lock and its stack")
class DeadlockCauseTest {
    @BeforeAll
    static void locate() {
        DeadlockCause.locateOnce();
    }

    @Test
    @DisplayName("a futex inside HotSpot's Terminator_lock is that lock; the word before it is not")
    void namedLockFromFutexAddress() throws Exception {
        long mutex = LibjvmSymbols.readLong(LibjvmSymbols.find(List.of("Terminator_lock")).get("Terminator_lock")[0]);
        assertThat(DeadlockCause.lockAt(mutex)).isEqualTo("Terminator_lock");
        assertThat(DeadlockCause.lockAt(mutex + 56)).isEqualTo("Terminator_lock");
        assertThat(DeadlockCause.lockAt(mutex - 8)).isNotEqualTo("Terminator_lock");
    }

    @Test
    @DisplayName("the lock decides, the stack refines: a stale word cannot turn a wait into a GC")
    void lockDecidesStackRefines() {
        assertThat(DeadlockCause.decide("Terminator_lock", onStack())).isEqualTo(Kind.EXIT);
        assertThat(DeadlockCause.decide(null, onStack(Kind.EXIT))).isEqualTo(Kind.EXIT);
        assertThat(DeadlockCause.decide("VMOperation_lock", onStack(Kind.SYSTEM_GC, Kind.ALLOCATION)))
            .isEqualTo(Kind.SYSTEM_GC);
        assertThat(DeadlockCause.decide("VMOperation_lock", onStack(Kind.ALLOCATION, Kind.OBJECT_WAIT)))
            .isEqualTo(Kind.ALLOCATION);
        assertThat(DeadlockCause.decide("VMOperation_lock", onStack())).isEqualTo(Kind.VM_OPERATION);
        // G1's humongous path runs through its allocation functions too: the request for a cycle tells more
        assertThat(DeadlockCause.decide("VMOperation_lock", onStack(Kind.ALLOCATION, Kind.HUMONGOUS)))
            .isEqualTo(Kind.HUMONGOUS);
        assertThat(Kind.HUMONGOUS.text).contains("G1HeapRegionSize").doesNotContain("minFreeEdenMb");
        assertThat(DeadlockCause.decide(null, onStack(Kind.OBJECT_WAIT, Kind.ALLOCATION))).isEqualTo(Kind.OBJECT_WAIT);
        assertThat(DeadlockCause.decide(null, onStack(Kind.PARK))).isEqualTo(Kind.PARK);
        // Shenandoah waits for its collector on a lock of its own: allocation, unless a wait says more
        assertThat(DeadlockCause.decide(null, onStack(Kind.ALLOCATION))).isEqualTo(Kind.ALLOCATION);
        assertThat(DeadlockCause.decide(null, onStack(Kind.PARK, Kind.ALLOCATION))).isEqualTo(Kind.PARK);
        assertThat(DeadlockCause.decide("Heap_lock", onStack(Kind.OBJECT_WAIT))).isNull();
        assertThat(DeadlockCause.decide(null, onStack())).isNull();
        assertThat(DeadlockCause.heldAtFork("Heap_lock")).contains("Heap_lock").contains("held at the fork");
    }

    @Test
    @DisplayName("read from a real thread's stack: Object.wait() and LockSupport.park()")
    @Timeout(30)
    void fromRealStacks() throws Exception {
        Object monitor = new Object();
        Thread waiting = new Thread(() -> {
            synchronized (monitor) {
                try {
                    monitor.wait();
                } catch (InterruptedException stop) {
                    // the test is over
                }
            }
        }, "dc-wait");
        Thread parked = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                LockSupport.park();
            }
        }, "dc-park");
        waiting.start();
        parked.start();
        try {
            assertThat(causeOf("dc-wait", "in Object.wait()")).startsWith("in Object.wait()");
            assertThat(causeOf("dc-park", "parked (")).startsWith("parked (LockSupport.park");
        } finally {
            waiting.interrupt();
            parked.interrupt();
            waiting.join(5000);
            parked.join(5000);
        }
    }

    @Test
    @DisplayName("a thread entering a monitor another holds is seen entering it; the holder, asleep, is not")
    @Timeout(30)
    void enteringMonitorFromRealStacks() throws Exception {
        Object monitor = new Object();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (monitor) {
                held.countDown();
                try {
                    Thread.sleep(60_000);
                } catch (InterruptedException stop) {
                    // the test is over
                }
            }
        }, "dc-holder");
        Thread entering = new Thread(() -> {
            synchronized (monitor) {
                monitor.notifyAll();
            }
        }, "dc-enter");
        holder.start();
        held.await();
        entering.start();
        try {
            int tid = tidOf("dc-enter");
            assertThat(waitOf("dc-enter", s -> DeadlockCause.enteringMonitor(tid, s))).isTrue();
            assertThat(DeadlockCause.enteringMonitor(tidOf("dc-holder"), syscallOf("dc-holder"))).isFalse();
        } finally {
            holder.interrupt();
            holder.join(5000);
            entering.join(5000);
        }
    }

    private static boolean waitOf(String threadName, java.util.function.Predicate<String> seen) throws Exception {
        for (int attempt = 0; attempt < 200; attempt++) {
            String syscall = syscallOf(threadName);
            if ((syscall.startsWith("202 ") || syscall.startsWith("98 ")) && seen.test(syscall)) {
                return true;
            }
            Thread.sleep(20);
        }
        return false;
    }

    /** A thread's id, by the name it gives itself once it runs (not yet when {@code start} returns). */
    private static int tidOf(String threadName) throws Exception {
        for (int attempt = 0; attempt < 250; attempt++) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path task : tasks) {
                    try {
                        if (Files.readString(task.resolve("comm")).strip().equals(threadName)) {
                            return Integer.parseInt(task.getFileName().toString());
                        }
                    } catch (java.io.IOException ended) {
                        // a thread that ended as it was listed
                    }
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no thread " + threadName);
    }

    private static String syscallOf(String threadName) throws Exception {
        return Files.readString(Path.of("/proc/self/task/" + tidOf(threadName) + "/syscall"));
    }

    /**
     * The cause told for a thread of this JVM once it sleeps in the wait the test put it in (before that
     * it may briefly wait on something else: the last cause seen is returned after 4 s).
     */
    private static String causeOf(String threadName, String expected) throws Exception {
        int tid = tidOf(threadName);
        String last = "no futex wait seen for " + threadName;
        for (int attempt = 0; attempt < 200; attempt++) {
            String syscall = Files.readString(Path.of("/proc/self/task/" + tid + "/syscall"));
            if (syscall.startsWith("202 ") || syscall.startsWith("98 ")) {
                String cause = DeadlockCause.of(tid, syscall);
                last = String.valueOf(cause);
                if (cause != null && cause.startsWith(expected)) {
                    return cause;
                }
            }
            Thread.sleep(20);
        }
        return last;
    }

    private static boolean[] onStack(Kind... kinds) {
        boolean[] found = new boolean[Kind.values().length];
        for (Kind k : kinds) {
            found[k.ordinal()] = true;
        }
        return found;
    }
}
