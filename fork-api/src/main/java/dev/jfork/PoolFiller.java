package dev.jfork;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The filler thread of a {@link PoolChildren}: keeps the pool's children waiting, forking at quiet
 * moments, and, once the pool is closed (or shut down and drained), sees its children end.
 */
final class PoolFiller implements Runnable {
    private final PoolChildren c;

    PoolFiller(PoolChildren children) {
        this.c = children;
    }

    /**
     * The filler's life: it forks until the pool is c.closed (or shut down and every submission finished),
     * then stays until no task runs and sees every child of the pool end (killing one that has not within
     * {@link #PoolChildren.CLOSE_WAIT}), so that the pool terminates without anyone waiting on it.
     */
    public void run() {
        try {
            fill();
        } finally {
            c.fillerStopped.countDown();
            synchronized (c.lock) {
                while (c.inFlight > 0) {
                    try {
                        c.lock.wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
            long until = System.nanoTime() + PoolChildren.CLOSE_WAIT.toNanos();
            for (PooledChild child : new ArrayList<>(c.live)) {
                if (!child.busy()) {
                    child.retire();
                    child.awaitEndOrKill(until);
                }
            }
        }
    }

    /** How many children the filler keeps waiting: once shut down, no more than the submissions still queued. */
    private int target() {
        return c.shutdown ? Math.min(c.options.size(), Math.max(0, c.pending - c.inFlight)) : c.options.size();
    }

    /**
     * The filler: keeps {@link PoolOptions#size()} children waiting, forking at c.idle moments, and lets
     * the children that answered their last task go at those moments too.
     */
    private void fill() {
        try {
            c.forker.warmUp();
        } catch (RuntimeException | Error e) {
            noteFillFailure(e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e));
        }
        while (true) {
            List<PooledChild> letGo;
            boolean fork = true;
            boolean drained = false;
            synchronized (c.lock) {
                try {
                    while (!c.closed && !(c.shutdown && c.pending == 0) && c.idle.size() >= target() && c.spent.isEmpty()) {
                        c.lock.wait();
                    }
                    drained = c.shutdown && c.pending == 0;
                    long holdUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PoolChildren.FILL_HOLD_BACK_MILLIS);
                    while (!c.closed && !drained && !c.idle.isEmpty()) {
                        long now = System.nanoTime();
                        long quietAt = c.inFlight > 0 ? holdUntil : c.lastTaskEnded + PoolChildren.FILL_QUIET_NANOS;
                        long until = Math.min(holdUntil, quietAt);
                        if (until - now <= 0) {
                            break;
                        }
                        TimeUnit.NANOSECONDS.timedWait(c.lock, until - now);
                    }
                } catch (InterruptedException e) {
                    // jfork's own thread: nobody interrupts it but to end it, and close() does that
                    return;
                }
                if (c.closed) {
                    return;
                }
                letGo = c.spent.isEmpty() ? List.of() : new ArrayList<>(c.spent);
                c.spent.clear();
                if (c.idle.size() >= target()) {
                    fork = false;
                }
            }
            if (drained) {
                // shut down, and every submission finished: the pool ends its children and terminates
                for (PooledChild done : letGo) {
                    done.retire();
                }
                c.stop();
                return;
            }
            for (PooledChild done : letGo) {
                done.retire();
            }
            if (!fork) {
                continue;
            }
            PooledChild child;
            try {
                child = c.startChild();
            } catch (RuntimeException | Error e) {
                noteFillFailure(e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e));
                try {
                    Thread.sleep(PoolChildren.FILL_RETRY_MILLIS);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            synchronized (c.lock) {
                c.fillFailure = null;
                if (!c.closed) {
                    c.idle.addLast(child);
                    c.lock.notifyAll();
                    continue;
                }
            }
            child.retire();
            return;
        }
    }

    void noteFillFailure(RuntimeException e) {
        synchronized (c.lock) {
            c.fillFailure = e;
            c.lock.notifyAll();
        }
    }
}
