package dev.jfork;

import dev.jfork.internal.call.CallFuture;
import dev.jfork.internal.child.CallBody;
import dev.jfork.internal.child.PoolChildBody;
import dev.jfork.internal.io.ChildInputPipe;
import dev.jfork.internal.io.ChildOutputPipe;
import dev.jfork.internal.io.FdInputStream;
import dev.jfork.internal.io.FdOutputStream;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.internal.launch.ForkLauncher;
import dev.jfork.internal.launch.LaunchedChild;
import dev.jfork.spi.ProcessForker;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.function.Function;

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
    }

    /** The backend without the guard: jfork passes only its own children's pids. */
    ProcessForker backend() {
        return backend;
    }

    /**
     * Forks a child that runs {@code task} and writes its answer to a pipe of its own; the future reads
     * it, reaps the child and completes.
     *
     * @param task the work
     * @param inherit the options, stdio all inherited
     * @param completeOnReaper whether the future completes on the reaper (nobody but its waiter sees it),
     *     or on a callback thread (a user's continuation runs there)
     * @param <T> the result type
     * @return the future result
     */
    <T> CallFuture<T> startCall(Callable<T> task, ForkOptions inherit, boolean completeOnReaper) {
        int[] result = OwnedFds.pipe(backend);
        ForkedProcess child;
        try {
            ChildTask body = new CallBody(backend, task, result[1]);
            // no reaper thread: the result's reader reaps it
            child = watched(launcher.start(inherit, body, true, new int[] {result[1]}), false);
        } catch (RuntimeException | Error e) {
            OwnedFds.closeQuietly(backend, result[0]);
            throw e;
        } finally {
            OwnedFds.close(backend, result[1]);
        }
        CallFuture<T> future = new CallFuture<>(child, completeOnReaper);
        future.completeFrom(backend, result[0], child::reapNow,
            end -> child.endReport(end, child.deadline().orElse(null)));
        return future;
    }

    /**
     * Waits for a {@code call}'s result, as {@link Forker#call} returns or throws it: interrupted, the
     * child is killed.
     *
     * @param future the call's future
     * @param <T> the result type
     * @return the result
     */
    static <T> T await(CallFuture<T> future) {
        try {
            return future.get();
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
            child = watched(launcher.start(ForkOptions.defaults().withoutDeadline(), body, true,
                new int[] {request[0], response[1]}));
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

    /** Wraps a started child as a {@link ForkedProcess}, with its reaper and watchdog. */
    ForkedProcess watched(LaunchedChild launched) {
        return watched(launched, true);
    }

    /** Likewise; without a reaper thread when {@code reaper} is false (the caller reaps it). */
    ForkedProcess watched(LaunchedChild launched, boolean reaper) {
        ForkedProcess child = new ForkedProcess(backend, launched.pid(), launched.deadline(), launched.alarmArmed(),
            launched.stdinFd() < 0 ? null : new ChildInputPipe(new FdOutputStream(backend, launched.stdinFd(), true)),
            launched.stdoutFd() < 0 ? null : new ChildOutputPipe(new FdInputStream(backend, launched.stdoutFd())),
            launched.stderrFd() < 0 ? null : new ChildOutputPipe(new FdInputStream(backend, launched.stderrFd())));
        child.watch(launched.javaChild(), reaper);
        return child;
    }
}
