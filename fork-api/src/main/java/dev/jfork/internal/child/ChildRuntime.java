package dev.jfork.internal.child;

import dev.jfork.ChildTask;
import dev.jfork.ErrnoException;
import dev.jfork.Signals;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.io.FdOutputStream;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.internal.launch.HookRegistry;
import dev.jfork.internal.vm.InheritedLocks;
import dev.jfork.internal.vm.PreWarm;
import dev.jfork.internal.vm.ShenandoahPacing;
import dev.jfork.internal.vm.VmRevival;
import dev.jfork.spi.ProcessForker;
import java.io.BufferedInputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;

/**
 * What a Java child does between the fork and its task, and how it ends. It runs on the child's only
 * thread, so it uses no lambda, no string concatenation by invokedynamic and no class that
 * {@link PreWarm} has not already loaded in the parent.
 */
public final class ChildRuntime {
    /** Exit code of a child whose task threw ({@code EXIT_UNCAUGHT}); 70 is EX_SOFTWARE. */
    public static final int EXIT_UNCAUGHT = 70;
    /** Exit code of an exec child whose exec failed ({@code EXIT_EXEC_FAILED}). */
    public static final int EXIT_EXEC_FAILED = 127;
    /** Signals whose inherited JVM handlers would only wake a thread the child does not have. */
    public static final int[] RESET_SIGNALS = {Signals.SIGTERM, Signals.SIGINT, Signals.SIGHUP};
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
     * @param streams the child's {@code System.in}, {@code out} and {@code err}
     * @param signalsToReset {@link #RESET_SIGNALS} in a child
     * @return the exit code
     */
    public static int live(ProcessForker backend, ChildPlan plan, ChildTask task, ChildStreams streams,
                           int[] signalsToReset) {
        int code = EXIT_UNCAUGHT;
        boolean started = false;
        try {
            prepare(backend, plan, signalsToReset);
            started = true;
            if (plan.javaChild) {
                enterJava(backend, plan, streams);
            }
            code = task.run();
            if (code < 0 || code > 255) {
                // _exit keeps the low 8 bits only: 256 would read as a success
                streams.err.print(exitCodeOutOfRange(code));
                code = EXIT_UNCAUGHT;
            }
            if (plan.javaChild) {
                System.out.flush();
                System.err.flush();
            }
        } catch (ErrnoException e) {
            if (plan.javaChild || !started) {
                code = EXIT_UNCAUGHT;
                reportFailure(task, streams.err, backend, e);
            } else {
                // an exec child: its errno goes back over the close-on-exec pipe
                code = EXIT_EXEC_FAILED;
                backend.write(plan.handshakeFd, ExecErrors.encode(e.errno()), 4);
            }
        } catch (Throwable t) {
            code = EXIT_UNCAUGHT;
            reportFailure(task, streams.err, backend, t);
        }
        return code;
    }

    /**
     * The line a child writes to its stderr when its task returned an exit code outside 0 to 255, before
     * it exits with {@link #EXIT_UNCAUGHT} instead. Called once in the parent by
     * {@link PreWarm}, so that the child runs nothing for the first time.
     *
     * @param code what the task returned
     * @return the line, its separator included
     */
    public static String exitCodeOutOfRange(int code) {
        return new StringBuilder(200).append("jfork: the task returned ").append(code)
            .append(" as its exit code, but an exit code is 0 to 255 (the kernel keeps its low 8 bits only);")
            .append(" this child exits with ").append(EXIT_UNCAUGHT).append(" instead")
            .append(System.lineSeparator()).toString();
    }

    /**
     * The start of a raw child's life ({@code Forker.forkRaw}): set up as {@link #live} does, then
     * back to the caller, who ends the child.
     *
     * @param backend the backend
     * @param plan what to set up
     * @param streams the child's standard streams
     * @param signalsToReset {@link #RESET_SIGNALS} in a child
     * @return true when the child may go on; false when it must {@code _exit} at once (the parent
     *     died, or an {@code afterInChild} hook threw, which was reported on fd 2)
     */
    public static boolean enterRaw(ProcessForker backend, ChildPlan plan, ChildStreams streams,
                                   int[] signalsToReset) {
        try {
            prepare(backend, plan, signalsToReset);
            enterJava(backend, plan, streams);
            return true;
        } catch (Throwable t) {
            reportUncaught(streams.err, backend, t);
            return false;
        }
    }

    private static void enterJava(ProcessForker backend, ChildPlan plan, ChildStreams streams) {
        // made in the parent, never used there: the child allocates nothing for them
        System.setIn(streams.in);
        System.setOut(streams.out);
        System.setErr(streams.err);
        if (plan.parentPid > 0) {
            // a real child (the parent's warm-up has no parent pid, and reseeds nothing of its own: the
            // steps were warmed up on objects of jfork's by Reseeder.prepareOnce): fresh generators
            // before the hooks, so that they see them too
            Reseeder.inChild(backend);
        }
        HookRegistry.runAfterInChild(plan.afterInChildHooks);
    }

    private static void reportFailure(ChildTask task, PrintStream err, ProcessForker backend, Throwable t) {
        if (task instanceof FailureReporter) {
            // a call child: its caller gets the exception itself, with its causes
            ((FailureReporter) task).failedBeforeResult(t);
        }
        reportUncaught(err, backend, t);
    }

    /**
     * Everything before the user's code: jfork's other descriptors closed, the parent's go, the parent
     * death signal, signals, deadline, descriptors moved, the start byte, then the parent's commit.
     * A child killed before the commit (the start handshake's timeout, or one of the JVM's threads ran
     * during its fork) has run nothing of the user's, so forking it again cannot run a task twice.
     *
     * @param backend the backend
     * @param plan what to set up
     * @param signalsToReset the signals set back to their default action
     */
    public static void prepare(ProcessForker backend, ChildPlan plan, int[] signalsToReset) {
        for (int fd : plan.closeInChild) {
            backend.close(fd);
        }
        OwnedFds.closeAllBut(backend, plan.inherited, plan.keep);
        if (backend.read(plan.goFd, GO, 1) != 1) {
            throw new IllegalStateException("jfork: the parent ended before it let this child start");
        }
        if (plan.parentPid > 0) {
            backend.setParentDeathSignal(Signals.SIGKILL);
            if (backend.getppid() != plan.parentPid) {
                throw new IllegalStateException("jfork: the parent died before this child started");
            }
        }
        for (int signal : signalsToReset) {
            backend.resetSignal(signal);
        }
        if (plan.alarmSeconds > 0) {
            backend.alarm(plan.alarmSeconds);
        }
        for (int i = 0; i < plan.dupFrom.length; i++) {
            backend.dup2(plan.dupFrom[i], plan.dupTo[i]);
            if (plan.dupFrom[i] > 2 && !usedLater(plan.dupFrom, i)) {
                // a standard descriptor as source (stderr to stdout: 1 onto 2) stays; so does one
                // that a later step copies again
                backend.close(plan.dupFrom[i]);
            }
        }
        if (plan.javaChild) {
            // before the start byte: a child stuck here is killed and forked again. The parent's
            // warm-up (no parent pid) only looks: swapping its own jars' descriptors could race its readers
            OwnFileOffsets.take(backend, plan.parentPid > 0);
            if (plan.parentPid > 0 && plan.checkInheritedLocks && InheritedLocks.heldAtFork()) {
                // another thread of the parent held the VM's chunk-pool lock at the fork: the first
                // arena allocation here would wait for ever. Unstarted, the parent forks again at once
                backend._exit(InheritedLocks.EXIT_LOCK_HELD);
            }
            ShenandoahPacing.offInChild(plan.parentPid > 0);
            if (plan.startVmThread && plan.parentPid > 0 && VmRevival.forkAgain(VmRevival.startInChild(backend))
                    && plan.checkInheritedLocks) {
                // mutexes free (checked just above): the VM thread is started again here, before the start
                // byte. A Java thread of the parent caught in Java or VM code at the fork would keep every
                // safepoint from completing, and an operation or safepoint under way at the fork cannot be
                // finished here: then nothing was started, and the parent forks again at once. After
                // a few such forks the child goes ahead without its VM thread, as without the option
                backend._exit(InheritedLocks.EXIT_LOCK_HELD);
            }
        }
        backend.write(plan.handshakeFd, STARTED, 1);
        if (backend.read(plan.goFd, GO, 1) != 1) {
            throw new IllegalStateException("jfork: the parent did not let this child run its task");
        }
        backend.close(plan.goFd);
    }

    private static boolean usedLater(int[] fds, int index) {
        for (int i = index + 1; i < fds.length; i++) {
            if (fds[i] == fds[index]) {
                return true;
            }
        }
        return false;
    }

    /**
     * A child's {@code System.in}: a buffered stream on fd 0, sharing nothing with the parent's.
     *
     * @param backend the backend
     * @return the stream, never read in the parent
     */
    public static InputStream childInput(ProcessForker backend) {
        return new BufferedInputStream(new FdInputStream(backend, 0), 8192);
    }

    public static PrintStream childStream(ProcessForker backend, int fd) {
        return new ChildPrintStream(new FdOutputStream(backend, fd, false), Charset.defaultCharset());
    }

    public static void reportUncaught(PrintStream err, ProcessForker backend, Throwable t) {
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
