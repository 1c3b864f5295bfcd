package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.fail;

import dev.jfork.ErrnoException;
import dev.jfork.IdleMoment;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.internal.vm.HangDiagnostics;
import dev.jfork.spi.ProcessForker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Forks test children with the raw SPI and makes sure none outlives its test: each child arms an
 * {@code alarm}, the parent waits with a deadline and ends a late child with SIGKILL, and
 * {@link #reapAll()} kills and reaps whatever a failed test left behind.
 */
public final class RawChildren {
    /** Exit code of a test child whose body threw. */
    public static final int CHILD_THREW = 99;
    /** Every test child's own {@code alarm} deadline, in seconds. */
    public static final int CHILD_ALARM_SECONDS = 20;
    /** How long the parent waits for a test child before SIGKILL, in milliseconds. */
    public static final long PARENT_DEADLINE_MILLIS = 15_000;

    /** How many times in a row a child forked while the JVM's threads were busy is discarded and forked again. */
    public static final int BUSY_FORKS = 4;

    /** How long a new test child has to send its start byte, in milliseconds. */
    public static final long START_MILLIS = 3000;

    private static final Duration QUIET_WAIT = Duration.ofMillis(200);
    private static final byte[] STARTED = {'S'};
    private static final AtomicLong RESTARTS = new AtomicLong();
    private static final AtomicLong BUSY_RESTARTS = new AtomicLong();
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(task -> {
        Thread t = new Thread(task, "jfork-kit-start-timer");
        t.setDaemon(true);
        return t;
    });

    private final ProcessForker forker;
    private final Set<Integer> unreaped = ConcurrentHashMap.newKeySet();

    /**
     * Creates the tracker.
     *
     * @param forker the backend under test
     */
    public RawChildren(ProcessForker forker) {
        this.forker = forker;
    }

    /**
     * Forks a child that arms its alarm, waits for the parent's go byte, sends one start byte, runs
     * {@code body} and {@code _exit}s with its result. The child never returns from here.
     * <p>
     * The fork lands at an instant when the JVM's own threads are idle ({@link IdleMoment}); a child
     * forked while one of them ran anyway may hold a copy of a VM lock taken in that instant, so it is
     * killed before its go byte and forked again, at most {@link #BUSY_FORKS} times. A child that
     * sends no start byte within {@link #START_MILLIS} is stuck inside the JVM before its body began
     * (measured: a GC safepoint or VM lock held at the fork); it is killed and forked again, at most
     * three times, so a body never runs twice.
     *
     * @param body what the child does
     * @return the child's pid, in the parent
     */
    public int fork(ChildBody body) {
        int busyForks = 0;
        for (int attempt = 1; attempt <= 3; attempt++) {
            int[] start = forker.pipe();
            int[] go = forker.pipe();
            IdleMoment idle = IdleMoment.await(QUIET_WAIT);
            int pid = forker.fork();
            if (pid == 0) {
                int code = CHILD_THREW;
                try {
                    forker.close(start[0]);
                    forker.close(go[1]);
                    forker.alarm(CHILD_ALARM_SECONDS);
                    if (forker.read(go[0], new byte[1], 1) != 1) {
                        // the parent discarded this child, or ended
                        forker._exit(CHILD_THREW);
                    }
                    forker.close(go[0]);
                    forker.write(start[1], STARTED, 1);
                    forker.close(start[1]);
                    code = body.run();
                } catch (Throwable t) {
                    code = CHILD_THREW;
                } finally {
                    forker._exit(code);
                }
            }
            boolean forkedWhileBusy = idle.jvmRanSince();
            unreaped.add(pid);
            forker.close(start[1]);
            forker.close(go[0]);
            if (forkedWhileBusy && busyForks < BUSY_FORKS) {
                busyForks++;
                attempt--;
                forker.kill(pid, 9);
                forker.close(go[1]);
                forker.close(start[0]);
                forker.waitpid(pid, new int[1], 0);
                unreaped.remove(pid);
                BUSY_RESTARTS.incrementAndGet();
                continue;
            }
            try {
                forker.write(go[1], STARTED, 1);
            } catch (ErrnoException gone) {
                // EPIPE: the child died already; its start byte will not come
            } finally {
                forker.close(go[1]);
            }
            boolean started = awaitStartByte(pid, start[0]);
            forker.close(start[0]);
            if (started) {
                return pid;
            }
            forker.waitpid(pid, new int[1], 0);
            unreaped.remove(pid);
            RESTARTS.incrementAndGet();
        }
        return fail("three children in a row hung inside the JVM before their body began");
    }

    /**
     * How many test children, in this JVM, were killed before their go byte because one of the JVM's
     * threads ran while they were forked, and forked again.
     *
     * @return the count
     */
    public static long busyRestarts() {
        return BUSY_RESTARTS.get();
    }

    /**
     * How many test children, in this JVM, hung before their body began and were forked again.
     *
     * @return the count
     */
    public static long restarts() {
        return RESTARTS.get();
    }

    private boolean awaitStartByte(int pid, int fd) {
        AtomicBoolean arrived = new AtomicBoolean();
        ScheduledFuture<?> killer = TIMER.schedule(() -> {
            if (!arrived.get()) {
                HangDiagnostics.printNativeStacks(pid, "sent no start byte within " + START_MILLIS + " ms");
                forker.kill(pid, 9);
            }
        }, START_MILLIS, TimeUnit.MILLISECONDS);
        int n = forker.read(fd, new byte[1], 1);
        arrived.set(n == 1);
        killer.cancel(false);
        return n == 1;
    }

    /**
     * Makes, in the parent, every call a test child makes, so that the child loads, links and binds
     * nothing: measured, a child that does any of that for the first time can hang forever on a lock
     * that another thread of the parent held at the fork.
     */
    public void warmUp() {
        int[] p = forker.pipe();
        writeString(p[1], "warm-up");
        writeFully(p[1], ByteBuffer.allocate(12).putInt(1).putInt(2).putInt(3).array());
        forker.close(p[1]);
        readString(p[0]);
        forker.close(p[0]);
        int[] q = forker.pipe();
        forker.dup2(q[1], q[0]);
        forker.close(q[0]);
        forker.close(q[1]);
        forker.resetSignal(Signals.SIGALRM);
        int left = forker.alarm(0);
        if (left > 0) {
            forker.alarm(left);
        }
        forker.warmUpExit(0);
        forker.kill(forker.getpid() + 0 * forker.getppid(), 0);
        forker.closeOnExecFrom(Integer.MAX_VALUE);
        try {
            forker.execvp("/nonexistent/jfork-warm-up", new String[] {"x"});
        } catch (ErrnoException expected) {
            expected.errnoName();
        }
        try {
            forker.execv("/nonexistent/jfork-warm-up", new String[] {"x"});
        } catch (ErrnoException expected) {
            expected.errnoName();
        }
    }

    /**
     * Waits for a child to end, at most {@link #PARENT_DEADLINE_MILLIS}; a child still running then
     * is killed with SIGKILL, reaped, and the test fails.
     *
     * @param pid a child made by {@link #fork}
     * @return its final status
     */
    public WaitStatus await(int pid) {
        long deadline = System.nanoTime() + PARENT_DEADLINE_MILLIS * 1_000_000L;
        int[] status = new int[1];
        long pause = 50_000;
        while (true) {
            int r = forker.waitpid(pid, status, WaitStatus.WNOHANG);
            if (r == pid) {
                unreaped.remove(pid);
                return WaitStatus.of(status[0]);
            }
            if (System.nanoTime() > deadline) {
                HangDiagnostics.printNativeStacks(pid, "outlived its deadline of " + PARENT_DEADLINE_MILLIS + " ms");
                forker.kill(pid, 9);
                forker.waitpid(pid, status, 0);
                unreaped.remove(pid);
                return fail("child " + pid + " outlived its deadline of " + PARENT_DEADLINE_MILLIS + " ms; killed");
            }
            sleepNanos(pause);
            pause = Math.min(pause * 2, 5_000_000);
        }
    }

    /**
     * Records that the caller reaped {@code pid} itself.
     *
     * @param pid the reaped child
     */
    public void reaped(int pid) {
        unreaped.remove(pid);
    }

    /**
     * Kills with SIGKILL and reaps every child not yet reaped.
     *
     * @return how many were left
     */
    public int reapAll() {
        int left = 0;
        for (Integer pid : Set.copyOf(unreaped)) {
            left++;
            try {
                forker.kill(pid, 9);
            } catch (RuntimeException alreadyGone) {
                // it may have ended on its own; waitpid below still reaps it
            }
            try {
                forker.waitpid(pid, new int[1], 0);
            } catch (RuntimeException notOurs) {
                // reaped elsewhere
            }
            unreaped.remove(pid);
        }
        return left;
    }

    /**
     * Writes all of {@code bytes} to {@code fd}.
     *
     * @param fd the descriptor
     * @param bytes the bytes
     */
    public void writeFully(int fd, byte[] bytes) {
        int done = 0;
        while (done < bytes.length) {
            byte[] rest = done == 0 ? bytes : java.util.Arrays.copyOfRange(bytes, done, bytes.length);
            done += forker.write(fd, rest, rest.length);
        }
    }

    /**
     * Writes a string in UTF-8.
     *
     * @param fd the descriptor
     * @param text the text
     */
    public void writeString(int fd, String text) {
        writeFully(fd, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Reads until end of file.
     *
     * @param fd the descriptor
     * @return every byte read
     */
    public byte[] readAll(int fd) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        while (true) {
            int n = forker.read(fd, buffer, buffer.length);
            if (n == 0) {
                return out.toByteArray();
            }
            out.write(buffer, 0, n);
        }
    }

    /**
     * Reads until end of file, as UTF-8.
     *
     * @param fd the descriptor
     * @return the text
     */
    /**
     * Reads exactly {@code buffer.length} bytes.
     *
     * @param fd the descriptor
     * @param buffer filled from index 0
     * @return false at end of file before the first byte
     */
    public boolean readFully(int fd, byte[] buffer) {
        byte[] part = new byte[buffer.length];
        int got = 0;
        while (got < buffer.length) {
            int n = forker.read(fd, part, buffer.length - got);
            if (n <= 0) {
                if (got == 0) {
                    return false;
                }
                throw new IllegalStateException("end of file after " + got + " of " + buffer.length + " bytes");
            }
            System.arraycopy(part, 0, buffer, got, n);
            got += n;
        }
        return true;
    }

    public String readString(int fd) {
        return new String(readAll(fd), StandardCharsets.UTF_8);
    }

    private static void sleepNanos(long nanos) {
        try {
            Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a child", e);
        }
    }
}
