package dev.jfork;

import dev.jfork.internal.vm.VmQuiescence;
import java.time.Duration;

/**
 * An instant at which the JVM's own threads (JIT compilers, GC, VM thread, service threads, jfork's
 * reapers and watchdog) were idle: the moment to call a raw {@link dev.jfork.spi.ProcessForker#fork()}.
 * A child forked while one of them held a VM lock hangs forever when it needs that lock; {@link Forker}
 * does all of this itself, and this class is for code that forks through the SPI directly.
 *
 * <pre>{@code
 * IdleMoment idle = IdleMoment.await(Duration.ofMillis(200));
 * int pid = posix.fork();
 * if (pid == 0) { ... wait for the parent's go byte on a pipe, then work, then posix._exit(0) ... }
 * if (idle.jvmRanSince()) { posix.kill(pid, Signals.SIGKILL); ... reap it and fork again ... }
 * }</pre>
 *
 * Elsewhere than on Linux, or when the JVM did not go quiet within the wait, nothing is known and
 * {@link #jvmRanSince()} answers false.
 */
public final class IdleMoment {
    private final VmQuiescence.IdleMoment moment;

    private IdleMoment(VmQuiescence.IdleMoment moment) {
        this.moment = moment;
    }

    /**
     * Waits, at most {@code maxWait}, until none of the JVM's own threads is running, and notes how
     * long each has run so far. Call it right before the fork.
     *
     * @param maxWait the longest wait; 200 ms is what {@link Forker} uses
     * @return the moment (see {@link #found()})
     */
    public static IdleMoment await(Duration maxWait) {
        return new IdleMoment(VmQuiescence.awaitIdleMoment(maxWait));
    }

    /**
     * Whether an idle instant was found within the wait.
     *
     * @return false when the wait ran out or the threads cannot be seen (not Linux)
     */
    public boolean found() {
        return moment != null;
    }

    /**
     * Whether one of the watched threads ran since this moment: ask right after the fork, in the
     * parent. A child forked meanwhile may hold a copy of a lock taken in that instant; kill it before
     * it runs anything and fork again.
     *
     * @return true when an idle instant was found and a watched thread ran since
     */
    public boolean jvmRanSince() {
        return moment != null && !moment.stayedIdle();
    }
}
