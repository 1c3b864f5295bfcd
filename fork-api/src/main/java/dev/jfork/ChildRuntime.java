package dev.jfork;

import dev.jfork.spi.ProcessForker;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * What a Java child does between the fork and its task, and how it ends. It runs on the child's only
 * thread, so it uses no lambda, no string concatenation by invokedynamic and no class that
 * {@link PreWarm} has not already loaded in the parent.
 */
final class ChildRuntime {
    /** Signals whose inherited JVM handlers would only wake a thread the child does not have. */
    static final int[] RESET_SIGNALS = {Signals.SIGTERM, Signals.SIGINT, Signals.SIGHUP};
    private static final byte[] STARTED = {'S'};
    private static final byte[] GO = new byte[1];

    private ChildRuntime() {
    }

    /**
     * The child's whole life after {@code fork} returned 0, up to its {@code _exit}, which the caller
     * makes with the code returned. It throws nothing. {@link PreWarm} runs it in the parent (with
     * harmless signals and a task of its own), so that every method it calls has been called before:
     * the interpreter's first call of a method allocates its counters in metaspace, under a lock that
     * another thread may have held at the fork (measured with gdb: {@code System.setErr} ->
     * {@code InterpreterRuntime::build_method_counters -> MetaspaceArena::allocate}).
     *
     * @param backend the backend
     * @param plan what to set up
     * @param task the work; its result is the exit code
     * @param out the child's {@code System.out}
     * @param err the child's {@code System.err}
     * @param signalsToReset {@link #RESET_SIGNALS} in a child
     * @return the exit code
     */
    static int live(ProcessForker backend, ChildPlan plan, ChildTask task, PrintStream out, PrintStream err,
                    int[] signalsToReset) {
        int code = ForkedProcess.EXIT_UNCAUGHT;
        try {
            prepare(backend, plan, signalsToReset);
            if (plan.javaChild) {
                // made in the parent, never written there: the child allocates nothing for them
                System.setOut(out);
                System.setErr(err);
                ForkHooks.runAfterInChild(plan.afterInChildHooks);
            }
            code = task.run();
            if (plan.javaChild) {
                System.out.flush();
                System.err.flush();
            }
        } catch (ErrnoException e) {
            if (plan.javaChild) {
                code = ForkedProcess.EXIT_UNCAUGHT;
                reportUncaught(err, backend, e);
            } else {
                // an exec child: its errno goes back over the close-on-exec pipe
                code = ForkedProcess.EXIT_EXEC_FAILED;
                backend.write(plan.handshakeFd, ExecErrors.encode(e.errno()), 4);
            }
        } catch (Throwable t) {
            code = ForkedProcess.EXIT_UNCAUGHT;
            reportUncaught(err, backend, t);
        }
        return code;
    }

    /**
     * The parent's ends closed, then the parent's go (it kills instead a child forked while one of the
     * JVM's threads ran, see {@link VmQuiescence}), signals, deadline, descriptors, then the start
     * byte: nothing of the user's runs before it.
     */
    static void prepare(ProcessForker backend, ChildPlan plan, int[] signalsToReset) {
        for (int fd : plan.closeInChild) {
            backend.close(fd);
        }
        if (backend.read(plan.goFd, GO, 1) != 1) {
            throw new IllegalStateException("jfork: the parent ended before it let this child start");
        }
        backend.close(plan.goFd);
        for (int signal : signalsToReset) {
            backend.resetSignal(signal);
        }
        if (plan.alarmSeconds > 0) {
            backend.alarm(plan.alarmSeconds);
        }
        for (int i = 0; i < plan.dupFrom.length; i++) {
            backend.dup2(plan.dupFrom[i], plan.dupTo[i]);
            backend.close(plan.dupFrom[i]);
        }
        backend.write(plan.handshakeFd, STARTED, 1);
    }

    static PrintStream childStream(ProcessForker backend, int fd) {
        return new ChildPrintStream(new FdOutputStream(backend, fd, false), Charset.defaultCharset());
    }

    static void reportUncaught(PrintStream err, ProcessForker backend, Throwable t) {
        try {
            err.print("jfork: uncaught exception in forked child ");
            err.println(backend.getpid());
            t.printStackTrace(err);
            err.flush();
        } catch (Throwable ignored) {
            // nothing else can report it; the exit code still says it
        }
    }
}
