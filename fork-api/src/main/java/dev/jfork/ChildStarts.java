package dev.jfork;

import dev.jfork.internal.call.CallFuture;
import dev.jfork.internal.call.TaskLoaders;
import dev.jfork.internal.child.CallBody;
import dev.jfork.internal.child.ExecBody;
import dev.jfork.internal.child.PoolChildBody;
import dev.jfork.internal.child.PrintPidBody;
import dev.jfork.internal.io.ChildInputPipe;
import dev.jfork.internal.io.ChildOutputPipe;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.io.FdOutputStream;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.internal.launch.ChildWatch;
import dev.jfork.internal.launch.FifoRedirects;
import dev.jfork.internal.launch.ForkLauncher;
import dev.jfork.internal.launch.ForkThread;
import dev.jfork.internal.launch.GuardedProcessForker;
import dev.jfork.internal.launch.LaunchedChild;
import dev.jfork.internal.launch.NestedForkGuard;
import dev.jfork.internal.vm.ClassPreload;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Turns what {@link ForkLauncher} started into a watched {@link ForkedProcess}, and starts the children
 * that talk to the parent over pipes of their own: a {@code call}'s child and a pool's child. One per
 * {@link Forker}, on its unguarded backend.
 */
final class ChildStarts {
    private final ProcessForker backend;
    private final ForkLauncher launcher;

    ChildStarts(ProcessForker backend, ForkLauncher launcher) {
        this.backend = backend;
        this.launcher = launcher;
        // a bad -Dfork.maxChildren is reported here, not at the first fork
        ForkThread.maxChildren();
    }

    /** The backend without the guard: jfork passes only its own children's pids. */
    ProcessForker backend() {
        return backend;
    }

    /**
     * {@link Forker#fork(ChildTask, ForkOptions)}: refused in a child, with exec settings, then the task's nest
     * preloaded; forks a Java child on jfork's forking thread ({@link ForkThread}: the child outlives the caller's
     * thread), holding one of the live-children slots until it is reaped.
     *
     * @param options the options
     * @param task the child's task
     * @return the child, started
     */
    ForkedProcess fork(ForkOptions options, ChildTask task) {
        NestedForkGuard.requireParent(backend, "fork");
        options.requireNoExecSettings("fork");
        ClassPreload.nestOf(task);
        // a FIFO's open(2) waits here, on the caller, not on the thread that makes every fork
        int[] fifos = FifoRedirects.openOnCaller(backend, options);
        try {
            ForkThread.acquireSlot("fork");
            launcher.warmUpHere();
            return ForkThread.run(() -> holdingSlot(() -> watched(launcher.start(options, task, true, null))),
                ForkedProcess::destroyForcibly, ForkThread::releaseSlot);
        } finally {
            FifoRedirects.close(backend, fifos);
        }
    }

    /** A child that runs no Java of the user's but sets a parent-death signal: forked on the forking thread. */
    ForkedProcess forkUncounted(ForkOptions options, ChildTask body, boolean javaChild) {
        int[] fifos = FifoRedirects.openOnCaller(backend, options);
        try {
            launcher.warmUpHere();
            return ForkThread.run(() -> watched(launcher.start(options, body, javaChild, null)),
                ForkedProcess::destroyForcibly, null);
        } finally {
            FifoRedirects.close(backend, fifos);
        }
    }

    private static ForkedProcess holdingSlot(Supplier<ForkedProcess> fork) {
        ForkedProcess child;
        try {
            child = fork.get();
        } catch (RuntimeException | Error e) {
            ForkThread.releaseSlot();
            throw e;
        }
        child.whenReaped(ForkThread::releaseSlot);
        return child;
    }

    /** {@code call} and {@code callAsync}: their options checked, then {@link #startCall}. */
    <T> CallFuture<T> call(Callable<T> task, ForkOptions options, boolean decodeOnCaller) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        NestedForkGuard.requireParent(backend, "call");
        options.requireNoExecSettings("call");
        ForkOptions inherit = options.requireInheritedStdio("call");
        ClassPreload.nestOf(task);
        return startCall(task, inherit, decodeOnCaller);
    }

    /**
     * Forks a child that runs {@code task} and writes its answer to a pipe of its own; the future reads
     * it, reaps the child and completes. The fork is made on jfork's forking thread: {@code call}
     * waits for it (interruptibly), {@code callAsync} does not. Either takes a live-children slot first.
     *
     * @param task the work
     * @param inherit the options, stdio all inherited
     * @param decodeOnCaller whether the answer is decoded by the thread waiting in {@link #await} (nobody
     *     else sees the future), or on a callback thread (a user's continuation runs there)
     * @param <T> the result type
     * @return the future result
     */
    <T> CallFuture<T> startCall(Callable<T> task, ForkOptions inherit, boolean decodeOnCaller) {
        CallFuture<T> future = new CallFuture<>(decodeOnCaller, TaskLoaders.of(task));
        ForkThread.acquireSlot(decodeOnCaller ? "call" : "callAsync");
        launcher.warmUpHere();
        if (decodeOnCaller) {
            ForkThread.run(() -> forkCall(task, inherit, future), f -> f.cancel(true), ForkThread::releaseSlot);
            return future;
        }
        ForkThread.submit(() -> future.isDone() ? skipped(future) : forkCall(task, inherit, future),
            (f, failure) -> {
                if (failure != null) {
                    // the user's continuations run there, not on the forking thread
                    ChildWatch.CALLBACKS.execute(() -> future.completeExceptionally(failure));
                }
            });
        return future;
    }

    private static <T> CallFuture<T> skipped(CallFuture<T> future) {
        // completed (cancelled) before its fork: none is made
        ForkThread.releaseSlot();
        return future;
    }

    private <T> CallFuture<T> forkCall(Callable<T> task, ForkOptions inherit, CallFuture<T> future) {
        ForkedProcess child = holdingSlot(() -> {
            int[] result = OwnedFds.pipe(backend);
            try {
                ChildTask body = new CallBody(backend, task, result[1]);
                // no reaper thread: the result's reader reaps it
                ForkedProcess started = watched(launcher.start(inherit, body, true, new int[] {result[1]}), false);
                future.attach(started);
                future.completeFrom(backend, result[0], started::reapNow,
                    end -> started.endReport(end, started.deadline().orElse(null)));
                return started;
            } catch (RuntimeException | Error e) {
                OwnedFds.closeQuietly(backend, result[0]);
                throw e;
            } finally {
                OwnedFds.close(backend, result[1]);
            }
        });
        return future;
    }

    /**
     * Waits for a {@code call}'s result, as {@link Forker#call} returns or throws it, decoding it on this
     * thread: interrupted, the child is killed.
     *
     * @param future the call's future
     * @param <T> the result type
     * @return the result
     */
    static <T> T await(CallFuture<T> future) {
        try {
            return future.awaitResult();
        } catch (InterruptedException e) {
            future.cancel(true);
            Thread.currentThread().interrupt();
            throw new ChildFailureException("jfork: interrupted while waiting for child " + future.child().pid()
                + "; the child was killed", future.child().pid(), null, e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new ChildFailureException("jfork: child " + future.child().pid() + " failed: " + cause,
                future.child().pid(), null, cause);
        }
    }

    /**
     * Forks one pool child: it waits on a request pipe and answers on a response pipe.
     *
     * @param function the pool's function
     * @param tasks how many tasks it runs
     * @param generation the pool's prepared-class generation at this fork
     * @param sampleRequest the pool's last request, rehearsed by the child while it waits; or null
     * @param sampleAnswer the pool's last answer, likewise; or null
     * @return the child, started
     */
    PooledChild startPoolChild(Function<Object, Object> function, int tasks, long generation, byte[] sampleRequest,
                               byte[] sampleAnswer) {
        // on the forking thread: the child outlives the thread that asked for it
        launcher.warmUpHere();
        return ForkThread.run(() -> forkPoolChild(function, tasks, generation, sampleRequest, sampleAnswer),
            pooled -> {
                pooled.retire();
                pooled.process().destroyForcibly();
            }, null);
    }

    private PooledChild forkPoolChild(Function<Object, Object> function, int tasks, long generation,
                                      byte[] sampleRequest, byte[] sampleAnswer) {
        int[] request = OwnedFds.pipe(backend);
        int[] response;
        try {
            response = OwnedFds.pipe(backend);
        } catch (RuntimeException | Error e) {
            OwnedFds.closeQuietly(backend, request[0]);
            OwnedFds.closeQuietly(backend, request[1]);
            throw e;
        }
        ForkedProcess child;
        try {
            ChildTask body = new PoolChildBody(backend, function, request[0], response[1], tasks, sampleRequest,
                sampleAnswer);
            // no deadline while it waits: each task's runs from its submission
            // the pool's own fork, chosen by the pool while submitters wait: no warning about their threads
            child = watched(dev.jfork.internal.vm.ThreadCheck.whilePoolForks(() -> launcher.start(
                ForkOptions.defaults().withoutDeadline(), body, true, new int[] {request[0], response[1]})));
        } catch (RuntimeException | Error e) {
            OwnedFds.closeQuietly(backend, request[1]);
            OwnedFds.closeQuietly(backend, response[0]);
            throw e;
        } finally {
            OwnedFds.closeQuietly(backend, request[0]);
            OwnedFds.closeQuietly(backend, response[1]);
        }
        return new PooledChild(backend, child, request[1], response[0], generation, tasks);
    }

    /**
     * {@link Forker#exec}: with {@code posix_spawnp} on a backend with {@link NativeSpawn}, else a Java
     * child that execs.
     *
     * @param argv the program and its arguments, not null
     * @param options the options, not null
     * @return the running child
     */
    ForkedProcess exec(List<String> argv, ForkOptions options) {
        if (argv.isEmpty()) {
            throw new IllegalArgumentException("exec needs a program: argv is empty");
        }
        String[] args = argv.toArray(new String[0]);
        // a program runs none of the JVM's code: a deadline only when asked for, as ProcessBuilder
        options = options.forExec();
        GuardedProcessForker.checkExec("exec", Objects.requireNonNull(args[0], "argv holds null"), args);
        if (backend instanceof NativeSpawn) {
            return watched(launcher.spawn((NativeSpawn) backend, args, options));
        }
        if (options.directory().isPresent() || options.environment().isPresent()) {
            throw new UnsupportedOperationException("the " + backend.name() + " backend cannot spawn"
                + " (no NativeSpawn): exec with a directory or an environment of its own needs it");
        }
        return forkUncounted(options, new ExecBody(backend, args, 3), false);
    }

    /**
     * {@link Forker#forkPrintingPid}: in native code on a backend with {@link NativeChildPaths}, else a
     * Java child that writes once.
     *
     * @param prefix the text before the pid
     * @param suffix the text after it
     * @param options the deadline and stdout
     * @return the running child
     */
    ForkedProcess printPid(String prefix, String suffix, ForkOptions options) {
        byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] tail = suffix.getBytes(StandardCharsets.UTF_8);
        options.requireNoExecSettings("forkPrintingPid");
        ForkOptions onlyStdout = options.withOnlyStdout();
        if (!(backend instanceof NativeChildPaths)) {
            return forkUncounted(onlyStdout, new PrintPidBody(backend, head, tail, 1), true);
        }
        return watched(launcher.printPid((NativeChildPaths) backend, head, tail, onlyStdout));
    }

    /** Wraps a started child as a {@link ForkedProcess}, with its reaper and watchdog. */
    ForkedProcess watched(LaunchedChild launched) {
        return watched(launched, true);
    }

    /** Likewise; without a reaper thread when {@code reaper} is false (the caller reaps it). */
    ForkedProcess watched(LaunchedChild launched, boolean reaper) {
        ForkedProcess child = new ForkedProcess(backend, launched.pid(), launched.pidfd(), launched.deadline(),
            launched.alarmArmed(),
            launched.stdinFd() < 0 ? null : new ChildInputPipe(new FdOutputStream(backend, launched.stdinFd(), true)),
            launched.stdoutFd() < 0 ? null : new ChildOutputPipe(new FdInputStream(backend, launched.stdoutFd())),
            launched.stderrFd() < 0 ? null : new ChildOutputPipe(new FdInputStream(backend, launched.stderrFd())));
        child.watch(launched.javaChild(), reaper);
        return child;
    }
}
