package dev.jfork;

import java.util.function.BiFunction;

/**
 * A {@link ForkPool#submitAsync} submission, queued for a thread of the pool: it runs its task unless its
 * future is done (cancelled) by then, and is finished (its place in the pool given back) once, either way.
 *
 * @param <A> the argument type
 * @param <R> the result type
 */
final class PoolSubmission<A, R> implements Runnable {
    final A argument;
    final PoolFuture<R> future;
    private final BiFunction<A, PoolFuture<R>, R> task;
    private final Runnable finish;

    PoolSubmission(A argument, PoolFuture<R> future, BiFunction<A, PoolFuture<R>, R> task, Runnable finish) {
        this.argument = argument;
        this.future = future;
        this.task = task;
        this.finish = finish;
    }

    @Override
    public void run() {
        try {
            if (!future.isDone()) {
                future.complete(task.apply(argument, future));
            }
        } catch (Throwable t) {
            future.completeExceptionally(t);
        } finally {
            finish.run();
        }
    }
}
