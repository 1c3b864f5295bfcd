package dev.jfork.internal.vm;

import dev.jfork.ChildEnd;
import dev.jfork.ErrnoException;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.internal.call.CallProtocol;
import dev.jfork.internal.call.Frames;
import dev.jfork.internal.call.PreparedValue;
import dev.jfork.internal.call.TaskLoaders;
import dev.jfork.internal.child.CallBody;
import dev.jfork.internal.child.ChildPlan;
import dev.jfork.internal.child.ChildPrintStream;
import dev.jfork.internal.child.ChildRuntime;
import dev.jfork.internal.child.ChildStreams;
import dev.jfork.internal.child.ExecBody;
import dev.jfork.internal.child.ExecErrors;
import dev.jfork.internal.child.PoolChildBody;
import dev.jfork.internal.child.PrintPidBody;
import dev.jfork.internal.launch.ForkLauncher;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.io.FdOutputStream;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;

/**
 * Runs jfork's own child path once in the parent, on pipes of its own, before the first fork: every
 * class it needs is loaded, every call site linked and every native function bound, so the child
 * loads and binds nothing. Measured: cold children hung 0.5-0.8% of the time on class-loading and
 * JIT locks, warmed ones 0 in 3000. Where a call cannot be made in the parent, a harmless call of the
 * same shape stands in: {@code SIGALRM} (already at its default) for the signal reset,
 * {@link ProcessForker#warmUpExit} for {@code _exit}, an exec of a path that does not exist, and a
 * close-on-exec mark on no descriptor at all.
 */
public final class PreWarm {
    private static final int[] HARMLESS_SIGNAL = {Signals.SIGALRM};
    /**
     * Rounds of the child's native calls made in the parent so that the JIT compiles them fully: an
     * interpreted or profiled method asks the compilation policy for work every few hundred calls, and
     * in a child that request can block forever on the compile queue's lock (measured with gdb,
     * {@code CompileBroker::compile_method_base}).
     */
    public static final int HOT_ROUNDS = 12_000;
    private static final Duration SETTLE = Duration.ofSeconds(3);

    private PreWarm() {
    }

    public static void run(ProcessForker backend) throws Exception {
        int[] p = backend.pipe();
        int[] q = backend.pipe();
        int[] r = backend.pipe();
        // each descriptor is closed exactly once: by the child path (as in a child), or at the end if
        // still open; a number closed twice could be someone else's file by then
        boolean pWriteOpen = true;
        try {
            // the child's whole life, on harmless arguments: no hooks, a signal already at its default,
            // no parent-death signal, and System.setIn/setOut/setErr given the streams they already
            // hold (a stream another thread set in between would be undone: this runs once, before the
            // first fork). r stands for the go pipe: the go and commit bytes are already in it, and r's
            // write end stands for the other children's descriptors that a child closes.
            backend.write(r[1], new byte[] {'G', 'R'}, 2);
            ChildPlan plan = new ChildPlan(new int[0], new int[] {q[1]}, new int[] {p[1]}, p[1], r[0], 0, true,
                new Object[0], null, 0);
            plan.inherited = setOf(r[1]);
            ChildStreams same = new ChildStreams(System.in, System.out, System.err);
            int code = ChildRuntime.live(backend, plan, () -> 0, same, HARMLESS_SIGNAL);
            if (code != 0) {
                throw new IllegalStateException("jfork's warm-up of the child's path ended with exit code " + code);
            }
            warmRawEntry(backend, same);
            // a task's exit code out of range: the line the child writes then
            ChildRuntime.exitCodeOutOfRange(256);
            try {
                // the parent-death signal, with a signal that does not exist: EINVAL, nothing changed
                backend.setParentDeathSignal(-1);
            } catch (ErrnoException expected) {
                // as intended
            }
            int left = backend.alarm(0);
            if (left > 0) {
                backend.alarm(left);
            }
            PrintStream out = ChildRuntime.childStream(backend, p[1]);
            out.print("jfork warm-up ");
            out.println(backend.getpid() + backend.getppid());
            out.flush();
            IllegalStateException sample = new IllegalStateException("jfork warm-up");
            // a short trace keeps the pipe from filling up before it is drained
            sample.setStackTrace(java.util.Arrays.copyOf(sample.getStackTrace(), 2));
            ChildRuntime.reportUncaught(out, backend, sample);
            backend.close(p[1]);
            pWriteOpen = false;
            drain(backend, q[0]);
            byte[] value = CallProtocol.encodeValue("warm-up");
            byte[] number = CallProtocol.encodeValue(42);
            byte[] thrown = CallProtocol.encodeThrown(new IllegalStateException("warm-up"));
            CallProtocol.encodeValue(new Object());
            // and a value that is not plain: the serialised path
            byte[] serialised = CallProtocol.encodeValue(new int[] {42});
            CallProtocol.deserialize(value);
            CallProtocol.deserialize(number);
            CallProtocol.deserialize(serialised);
            // as a pool child reads its arguments: with its function's class loaders
            CallProtocol.deserialize(serialised, TaskLoaders.JFORK);
            CallProtocol.decodeThrown(thrown);
            CallProtocol.text(value);
            // the child bodies themselves, on harmless arguments: exec of a missing path, marking no
            // descriptor close-on-exec, printing and answering into a pipe
            try {
                new ExecBody(backend, new String[] {"/nonexistent/jfork-warm-up"}, Integer.MAX_VALUE).run();
            } catch (ErrnoException expected) {
                ExecErrors.encode(expected.errno());
            }
            int[] sink = backend.pipe();
            try {
                new PrintPidBody(backend, new byte[] {'w'}, new byte[] {'\n'}, sink[1]).run();
                new CallBody(backend, () -> "warm-up", sink[1]).run();
                new CallBody(backend, () -> {
                    throw new IllegalStateException("warm-up");
                }, sink[1]).run();
            } finally {
                backend.close(sink[1]);
                drain(backend, sink[0]);
                backend.close(sink[0]);
            }
            warmPoolChild(backend);
            backend.warmUpExit(0);
            new ChildEnd(ChildEnd.Kind.EXITED, 0, 0, WaitStatus.of(0)).exitValue();
            runHot(backend);
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("jfork's warm-up failed: " + e, e);
        } finally {
            closeQuietly(backend, p[0]);
            if (pWriteOpen) {
                closeQuietly(backend, p[1]);
            }
            closeQuietly(backend, q[0]);
        }
    }

    /**
     * A pool child's life on one request, then the end of its requests: its classes are loaded here.
     * A class a child loads from a jar moves the jar's file offset, which the child shares with the
     * parent (the JDK reads jars with seek, then read): seen in CI, the parent then failed to load its
     * own classes ({@code NoClassDefFoundError}).
     */
    private static void warmPoolChild(ProcessForker backend) throws Exception {
        int[] requests = backend.pipe();
        int[] answers = backend.pipe();
        try {
            Frames.write(backend, requests[1], CallProtocol.encodeValue(21));
            backend.close(requests[1]);
            requests[1] = -1;
            byte[] sample = CallProtocol.encodeValue(1);
            new PoolChildBody(backend, x -> x, requests[0], answers[1], 2, sample, sample).run();
            backend.close(answers[1]);
            answers[1] = -1;
            if (Frames.read(backend, answers[0]) == null || Frames.read(backend, answers[0]) != null) {
                throw new IllegalStateException("jfork's warm-up of the pool child's path gave no answer");
            }
        } finally {
            for (int fd : new int[] {requests[0], requests[1], answers[0], answers[1]}) {
                if (fd >= 0) {
                    closeQuietly(backend, fd);
                }
            }
        }
    }

    @SuppressWarnings("removal") // System.getSecurityManager: the child calls it, through System.setOut
    private static final Runnable NOTHING = () -> { };

    private static void runHot(ProcessForker backend) throws IOException {
        int[] pipe = backend.pipe();
        byte[] buffer = new byte[4096];
        byte[] one = {'S'};
        PrintStream out = ChildRuntime.childStream(backend, pipe[1]);
        PrintStream discard = new ChildPrintStream(java.io.OutputStream.nullOutputStream(), java.nio.charset.Charset.defaultCharset());
        try {
            for (int i = 0; i < HOT_ROUNDS; i++) {
                backend.resetSignal(Signals.SIGALRM);
                backend.getpid();
                backend.write(pipe[1], one, 1);
                backend.read(pipe[0], one, 1);
                // what a call child and a printing child run, so that it is compiled, not counted
                Object value = sampleResult(i);
                byte[] message = CallProtocol.encodeValue(value);
                FdOutputStream.writeFully(backend, pipe[1], message);
                readExactly(backend, pipe[0], buffer, message.length);
                PreparedValue prepared = new PreparedValue();
                prepared.serialize(value);
                prepared.sendTo(backend, pipe[1]);
                readExactly(backend, pipe[0], buffer, message.length);
                out.println("x");
                out.flush();
                readExactly(backend, pipe[0], buffer, 1 + System.lineSeparator().length());
                backend.warmUpExit(0);
                // JDK and backend methods that the child calls and the parent keeps calling: compiled
                // fully, they count nothing, so the child cannot ask the compiler for work (gdb: a child
                // hung in System.setErr -> checkIO -> getSecurityManager -> Runtime1::counter_overflow
                // -> CompileBroker::compile_method_base)
                System.getSecurityManager();
                VmQuiescence.warmUp();
                // a reaper's few steps outside the fork lock, from its native wait to taking the lock
                ForkLauncher.whileNoFork(NOTHING);
                try {
                    backend.setParentDeathSignal(-1);
                } catch (ErrnoException expected) {
                    // EINVAL: the call and its error path, with nothing changed
                }
                int[] spare = backend.pipe();
                backend.close(spare[0]);
                backend.close(spare[1]);
                if (i % 4 == 0) {
                    // a task that throws: its exception is encoded (call) or printed (fork) in the child
                    IllegalArgumentException thrown = new IllegalArgumentException("jfork warm-up");
                    CallProtocol.encodeThrown(thrown);
                    ChildRuntime.reportUncaught(discard, backend, thrown);
                }
            }
        } finally {
            backend.close(pipe[0]);
            backend.close(pipe[1]);
        }
        VmQuiescence.awaitIdle(SETTLE);
    }

    /**
     * Results of the common kinds, in turn: serialisation compiled for one type only would meet any
     * other as an uncommon trap, and a deoptimisation in a child takes VM locks (gdb, JDK 25: a
     * {@code call} child returning a String hung in {@code Deoptimization::uncommon_trap -> Arena::grow}).
     */
    public static Object sampleResult(int i) {
        switch (i % 8) {
            case 0:
                return i;
            case 1:
                return "warm-up " + i;
            case 2:
                return null;
            case 3:
                return (long) i;
            case 4:
                return new int[] {i, i + 1};
            case 5:
                return new java.util.ArrayList<>(java.util.List.of(i, "x"));
            case 6:
                return new java.util.HashMap<>(java.util.Map.of("k", i));
            default:
                return java.util.List.of(i);
        }
    }

    /** {@code ChildRuntime.enterRaw}, the start of a raw child's life, on pipes of its own. */
    private static void warmRawEntry(ProcessForker backend, ChildStreams same) throws IOException {
        int[] start = backend.pipe();
        int[] go = backend.pipe();
        try {
            backend.write(go[1], new byte[] {'G', 'R'}, 2);
            ChildPlan plan = new ChildPlan(new int[0], new int[0], new int[0], start[1], go[0], 0, true,
                new Object[0], null, 0);
            if (!ChildRuntime.enterRaw(backend, plan, same, HARMLESS_SIGNAL)) {
                throw new IllegalStateException("jfork's warm-up of a raw child's start failed");
            }
        } finally {
            // enterRaw closed the go pipe's read end, as a child does
            backend.close(go[1]);
            backend.close(start[0]);
            backend.close(start[1]);
        }
    }

    private static long[] setOf(int fd) {
        long[] set = new long[(fd >>> 6) + 1];
        set[fd >>> 6] |= 1L << (fd & 63);
        return set;
    }

    private static void readExactly(ProcessForker backend, int fd, byte[] buffer, int length) {
        for (int got = 0; got < length; ) {
            got += backend.read(fd, buffer, length - got);
        }
    }

    private static void drain(ProcessForker backend, int fd) throws IOException {
        FdInputStream in = new FdInputStream(backend, fd);
        byte[] buffer = new byte[8192];
        while (in.read(buffer, 0, buffer.length) >= 0) {
            continue;
        }
    }

    private static void closeQuietly(ProcessForker backend, int fd) {
        try {
            backend.close(fd);
        } catch (ErrnoException ignored) {
            // already closed
        }
    }
}
