package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("what a hung child was doing, read from /proc")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HangStateTest {

    @Test
    @DisplayName("a process reading a pipe nobody writes is asleep reading fd 0")
    void reading() throws Exception {
        Process cat = new ProcessBuilder("cat").start();
        try {
            assertThat(seen(cat, s -> s.contains("reading fd 0"))).startsWith("it was asleep reading fd 0 (");
        } finally {
            end(cat);
        }
    }

    @Test
    @DisplayName("a process in a loop is running; stopped by SIGSTOP, it is stopped")
    void runningThenStopped() throws Exception {
        Process loop = new ProcessBuilder("sh", "-c", "while :; do :; done").start();
        try {
            assertThat(seen(loop, s -> s.startsWith("it was running"))).contains("a loop that does not end");
            new ProcessBuilder("kill", "-STOP", Long.toString(loop.pid())).start().waitFor();
            assertThat(seen(loop, s -> s.startsWith("it was stopped"))).contains("SIGSTOP");
        } finally {
            end(loop);
        }
    }

    @Test
    @DisplayName("a process in a sleep is asleep in a sleep")
    void sleeping() throws Exception {
        Process sleep = new ProcessBuilder("sleep", "30").start();
        try {
            assertThat(seen(sleep, s -> s.contains("sleep"))).isEqualTo("it was asleep in a sleep");
        } finally {
            end(sleep);
        }
    }

    @Test
    @DisplayName("the system calls are named by the kernel's numbering, x86_64 or aarch64")
    void numbering() {
        assertThat(HangState.describe('S', "0 0x5 0x7ffd 0x1 0 0 0 0x7ffd 0x7f", false))
            .startsWith("it was asleep reading fd 5 (");
        assertThat(HangState.describe('S', "63 0x5 0x7ffd 0x1 0 0 0 0x7ffd 0x7f", true))
            .startsWith("it was asleep reading fd 5 (");
        assertThat(HangState.describe('S', "1 0x1 0x7ffd 0x10000 0 0 0 0x7ffd 0x7f", false))
            .startsWith("it was asleep writing to fd 1 (a full pipe");
        assertThat(HangState.describe('S', "202 0x7f 0x80 0x0 0x0 0 0 0x7ffd 0x7f", false))
            .contains("a wait with no timeout");
        assertThat(HangState.describe('S', "98 0x7f 0x189 0x0 0xffff0010 0 0 0x7ffd 0x7f", true))
            .contains("Thread.sleep");
        assertThat(HangState.describe('D', "999 0 0 0 0 0 0 0 0", false))
            .isEqualTo("it was in an uninterruptible wait in system call 999");
        assertThat(HangState.describe('S', "", false)).isEqualTo("it was asleep");
    }

    /** The first description of {@code process} that {@code wanted} accepts, within 10 s; else the last. */
    private static String seen(Process process, Predicate<String> wanted) throws InterruptedException {
        String last = null;
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() < until) {
            last = HangState.of((int) process.pid());
            if (last != null && wanted.test(last)) {
                return last;
            }
            Thread.sleep(20);
        }
        return last;
    }

    private static void end(Process process) throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }
}
