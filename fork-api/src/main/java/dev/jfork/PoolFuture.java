package dev.jfork;

import java.util.concurrent.CompletableFuture;

/**
 * The future of a {@link ForkPool#submitAsync} submission: {@code cancel(true)} ends the child that runs
 * its task (SIGKILL), and a submission cancelled before it got a child gives its task to none.
 *
 * @param <R> the result type
 */
final class PoolFuture<R> extends CompletableFuture<R> {
    /** The child running the task, between {@link #runOn} and {@link #ran}; guarded by this. */
    private PooledChild child;
    /** Set by {@link #cancel}; guarded by this. */
    private boolean cancelled;

    /**
     * The task goes to {@code running} now.
     *
     * @return false when the submission was cancelled: the task must not be sent
     */
    synchronized boolean runOn(PooledChild running) {
        if (cancelled) {
            return false;
        }
        child = running;
        return true;
    }

    /** Its child answered or ended: a cancel from now on ends no child (this one may serve another task). */
    synchronized void ran() {
        child = null;
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelledNow = super.cancel(mayInterruptIfRunning);
        synchronized (this) {
            cancelled = true;
            // under this monitor, so that ran() (and the child's reuse) cannot come between
            if (cancelledNow && mayInterruptIfRunning && child != null) {
                child.process().destroyForcibly();
            }
        }
        return cancelledNow;
    }
}
