package dev.jfork.internal.launch;

import dev.jfork.ChildFailureException;
import dev.jfork.ChildTask;
import dev.jfork.ErrnoException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.Signals;
import dev.jfork.WaitStatus;
import dev.jfork.internal.child.ChildPlan;
import dev.jfork.internal.child.ChildRuntime;
import dev.jfork.internal.child.ExecBody;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.internal.vm.InheritedLocks;
import dev.jfork.internal.vm.VmQuiescence;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The parent's side of one fork, from the prepared JVM to a child that has started: the hooks'
 * bracket, the fork at an idle moment, the go byte (or a discard when the JVM was busy), the start
 * handshake, and forking again a child that hung before its task.
 */
public final class ForkLauncher {
    /** Serialises forks; a raw child releases it on its way back to the caller, so it wakes nobody. */
    private static final ForkSafeLock FORK_LOCK = new ForkSafeLock();
    /**
     * The longest wait for an idle instant before a first fork; each fork made again after a child hung
     * before its start waits twice as long as the one before, up to {@link #LONGEST_QUIET_WAIT}. A wait
     * that runs out forks anyway, and a thread of the VM that stays busy for long (a compilation that
     * takes seconds, as under emulation) can hold a lock at each of those forks: 8 children in a row
     * within 4 s were seen deadlocked before their start on an arm64 JDK 25 under qemu.
     */
    private static final Duration QUIET_WAIT = Duration.ofMillis(200);
    private static final Duration LONGEST_QUIET_WAIT = Duration.ofMillis(3200);
    private static final AtomicLong RESTARTS = new AtomicLong();
    private static final AtomicLong LOCK_HELD_RESTARTS = new AtomicLong();
    /**
     * How many times, at most, a child forked while one of the JVM's threads ran is killed before its
     * go and forked again; after that the next one goes ahead (the wait for an idle instant comes
     * first each time).
     */
    private static final int BUSY_FORK_RETRIES = 4;
    /**
     * How many children in a row may find the VM's chunk-pool lock held at their fork and be forked again
     * at once ({@link InheritedLocks}); the next goes ahead without looking.
     */
    private static final int LOCK_HELD_RETRIES = 4;
    private static final byte[] GO = {'G'};

    /** What {@link #start} returns in the child of a raw fork: pid 0. */
    public static final LaunchedChild IN_CHILD = new LaunchedChild(0, null, false, -1, -1, -1, true);

    private final ProcessForker backend;
    private final ParentPreparation parent;

    /** @param backend the unguarded backend */
    public ForkLauncher(ProcessForker backend) {
        this.backend = backend;
        this.parent = new ParentPreparation(backend);
    }

    /**
     * Runs {@code action} under the fork lock, if no fork is being made now.
     *
     * @param action what to run
     * @return whether it ran
     */
    static boolean betweenForks(Runnable action) {
        if (!FORK_LOCK.tryLock()) {
            // a fork is being made: the caller looks again later, and wakes nothing meanwhile
            return false;
        }
        try {
            action.run();
            return true;
        } finally {
            FORK_LOCK.unlock();
        }
    }

    /**
     * Runs {@code action} under the fork lock, waiting for a fork under way to finish: what a reaper does
     * with a child once its native wait has returned, so that it never runs while a fork is made.
     *
     * @param action what to run; it must not block for long
     */
    public static void whileNoFork(Runnable action) {
        FORK_LOCK.lock();
        try {
            action.run();
        } finally {
            FORK_LOCK.unlock();
        }
    }

    /** @return what {@link dev.jfork.Forker#hugePagesForHeap()} did */
    public dev.jfork.HugePageReport hugePagesForHeap() {
        return parent.hugePagesForHeap();
    }

    /** Everything the parent does before a fork (the first time: the warm-up), without forking. */
    public void prepareParent() {
        parent.prepare();
    }

    /** @return how many children, in this JVM, were killed and forked again before their task began */
    public static long restartsBeforeStart() {
        return RESTARTS.get();
    }

    /**
     * @return how many of {@link #restartsBeforeStart()} were children that found the VM's chunk-pool
     *     lock held at their fork ({@link InheritedLocks})
     */
    public static long restartsForHeldLock() {
        return LOCK_HELD_RESTARTS.get();
    }

    /**
     * Forks a child that runs {@code task} (a Java child) or execs (an {@link ExecBody}), and returns it
     * once it has sent its start byte.
     *
     * @param options deadline and stdio
     * @param task the child's work; null for a raw fork, whose child returns from this method
     * @param javaChild whether the child runs the user's Java (hooks, {@code System.out} of its own)
     * @param keepInChild jfork descriptors the child goes on using (a {@code call}'s result pipe), or null
     * @return the started child; {@link #IN_CHILD} in the child of a raw fork ({@code task} null)
     */
    public LaunchedChild start(ForkOptions options, ChildTask task, boolean javaChild, int[] keepInChild) {
        if (task != null) {
            NestedForkGuard.requireParent(backend, "fork (or call, or a pool's fork)");
        }
        parent.prepare();
        Duration deadline = options.deadline().orElse(null);
        int alarm = alarmSeconds(deadline);
        long handshakeMillis = Long.getLong(Forker.HANDSHAKE_PROPERTY, Forker.DEFAULT_HANDSHAKE_MILLIS);
        ChildFailureException lastHang = null;
        int attempt = 1;
        int busyForks = 0;
        int heldForks = 0;
        // the hooks bracket each child that may start; the re-forks of a child discarded unstarted
        // (the JVM was busy at its fork) happen inside one bracket, so the user sees one fork
        boolean hooksOpen = false;
        try {
            while (attempt <= Forker.START_ATTEMPTS) {
                if (javaChild && !hooksOpen) {
                    HookRegistry.runBefore();
                    hooksOpen = true;
                }
                ChildStdio stdio = ChildStdio.open(backend, options);
                int[] handshake = null;
                int[] go = null;
                try {
                    handshake = OwnedFds.pipe(backend);
                    go = OwnedFds.pipe(backend);
                } catch (RuntimeException e) {
                    stdio.closeAll();
                    if (handshake != null) {
                        OwnedFds.closeQuietly(backend, handshake[0]);
                        OwnedFds.closeQuietly(backend, handshake[1]);
                    }
                    throw e;
                }
                ChildPlan plan = stdio.plan(handshake, go, keepInChild, alarm, javaChild, parent.pid());
                plan.checkInheritedLocks = heldForks < LOCK_HELD_RETRIES;
                int pid;
                boolean forkedWhileBusy;
                // the locks around the fork wake nobody when the child releases them (ForkSafeLock)
                FORK_LOCK.lock();
                try {
                    try {
                        // last before the fork, so that no other thread of jfork's has time to wake
                        VmQuiescence.IdleMoment idle = VmQuiescence.awaitIdleMoment(quietWait(attempt));
                        OwnedFds.LOCK.lock();
                        try {
                            // the child's copy of this set is exactly jfork's descriptors at the fork
                            plan.inherited = OwnedFds.openSetUnderLock();
                            pid = backend.fork();
                        } finally {
                            OwnedFds.LOCK.unlock();
                        }
                        if (pid == 0) {
                            // this method runs interpreted (InterpretedForkSite): compiled, this branch
                            // would be an uncommon trap, never taken in the parent
                            if (task == null) {
                                if (ChildRuntime.enterRaw(backend, plan, parent.childStreams(),
                                    ChildRuntime.RESET_SIGNALS)) {
                                    // back to the caller: no parent-side hook may run in the child
                                    hooksOpen = false;
                                    return IN_CHILD;
                                }
                                backend._exit(ForkedProcess.EXIT_UNCAUGHT);
                            }
                            int code = ForkedProcess.EXIT_UNCAUGHT;
                            try {
                                code = ChildRuntime.live(backend, plan, task, parent.childStreams(),
                                    ChildRuntime.RESET_SIGNALS);
                            } finally {
                                backend._exit(code);
                            }
                        }
                        // first thing after the fork: did one of the JVM's threads run while it was made?
                        forkedWhileBusy = idle != null && !idle.stayedIdle();
                        // each closed once: after that the number may be another thread's
                        OwnedFds.close(backend, handshake[1]);
                        handshake[1] = -1;
                        OwnedFds.close(backend, go[0]);
                        go[0] = -1;
                        stdio.closeChildEnds();
                    } finally {
                        FORK_LOCK.unlock();
                    }
                } catch (RuntimeException | Error e) {
                    stdio.closeAll();
                    for (int fd : new int[] {handshake[0], handshake[1], go[0], go[1]}) {
                        if (fd >= 0) {
                            OwnedFds.closeQuietly(backend, fd);
                        }
                    }
                    throw e;
                }
                if (forkedWhileBusy && busyForks < BUSY_FORK_RETRIES) {
                    // it may hold a copy of a lock taken in that instant, and waits for its go: it is
                    // killed before anything of the user's ran, and forked again
                    busyForks++;
                    discardUnstarted(pid, stdio, handshake[0], go[1]);
                    continue;
                }
                try {
                    backend.write(go[1], GO, 1);
                } catch (ErrnoException e) {
                    // EPIPE: the child is gone already; its start byte will not come and it is forked again
                }
                // closes both descriptors; the child runs nothing of the user's before its commit byte
                StartHandshake answer = StartHandshake.await(backend, pid, handshake[0], go[1], handshakeMillis,
                    !javaChild);
                if (answer.started) {
                    // one bracket per call: a child killed before its commit, and forked again, ran
                    // no hook, and the parent's hooks run once, around the child that started
                    if (hooksOpen) {
                        hooksOpen = false;
                        HookRegistry.runAfterInParent();
                    }
                    LaunchedChild child = stdio.launched(pid, deadline, alarm > 0, javaChild);
                    if (answer.execErrno != 0) {
                        stdio.closeParentEnds();
                        int[] status = new int[1];
                        backend.waitpid(pid, status, 0);
                        throw new ErrnoException("execvp(" + ((ExecBody) task).program() + ")", answer.execErrno);
                    }
                    return child;
                }
                stdio.closeParentEnds();
                int[] status = new int[1];
                backend.waitpid(pid, status, 0);
                RESTARTS.incrementAndGet();
                WaitStatus ended = WaitStatus.of(status[0]);
                if (ended.exited() && ended.exitCode() == InheritedLocks.EXIT_LOCK_HELD) {
                    // it found the VM's chunk-pool lock held at its fork and ended unstarted: a fork
                    // an instant later finds it free, as after a busy fork
                    heldForks++;
                    LOCK_HELD_RESTARTS.incrementAndGet();
                    continue;
                }
                pauseBeforeRetry(attempt);
                lastHang = new ChildFailureException("jfork: child " + pid + " sent no start byte within "
                    + handshakeMillis + " ms (stuck inside the JVM before the task began) and was killed; "
                    + WaitStatus.of(status[0]), pid, null, null);
                attempt++;
            }
        } finally {
            if (hooksOpen) {
                // the fork failed after the before hooks ran: the parent's side is still told
                HookRegistry.runAfterInParent();
            }
        }
        throw new ChildFailureException("jfork: " + Forker.START_ATTEMPTS + " children in a row hung inside the JVM"
            + " before the task began, so it never ran. The last: " + lastHang.getMessage(), lastHang.pid(), null,
            lastHang);
    }

    /**
     * Starts a program without running any Java in the child ({@link NativeSpawn#spawn}).
     *
     * @param natives the backend's native spawn
     * @param args the program and its arguments
     * @param options deadline, stdio, working directory and environment
     * @return the started child
     */
    public LaunchedChild spawn(NativeSpawn natives, String[] args, ForkOptions options) {
        NestedForkGuard.requireParent(backend, "exec");
        ProgramLookup.check(args[0], options.directory().map(Object::toString).orElse(null));
        parent.prepare();
        ChildStdio stdio = ChildStdio.open(backend, options);
        try {
            FORK_LOCK.lock();
            try {
                int pid = natives.spawn(args, stdio.childIn, stdio.childOut, stdio.childErr,
                    options.directory().map(Object::toString).orElse(null),
                    options.environment().map(env -> env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                        .toArray(String[]::new)).orElse(null));
                stdio.closeChildEnds();
                return stdio.launched(pid, options.deadline().orElse(null), false, false);
            } finally {
                FORK_LOCK.unlock();
            }
        } catch (RuntimeException | Error e) {
            stdio.closeAll();
            throw e;
        }
    }

    /**
     * Forks a child that prints its pid and exits, in native code ({@link NativeChildPaths#forkPrintPidAndExit}).
     *
     * @param natives the backend's native child paths
     * @param head the bytes before the pid
     * @param tail the bytes after it
     * @param options the deadline and stdout
     * @return the started child
     */
    public LaunchedChild printPid(NativeChildPaths natives, byte[] head, byte[] tail, ForkOptions options) {
        NestedForkGuard.requireParent(backend, "forkPrintingPid");
        parent.prepare();
        Duration deadline = options.deadline().orElse(null);
        ChildStdio stdio = ChildStdio.open(backend, options);
        try {
            FORK_LOCK.lock();
            try {
                int fd = stdio.childOut >= 0 ? stdio.childOut : 1;
                int pid = natives.forkPrintPidAndExit(fd, head, tail, 0, alarmSeconds(deadline));
                stdio.closeChildEnds();
                return stdio.launched(pid, deadline, deadline != null, false);
            } finally {
                FORK_LOCK.unlock();
            }
        } catch (RuntimeException | Error e) {
            stdio.closeAll();
            throw e;
        }
    }

    /** Kills and reaps a child that has not been given its go, and closes the parent's ends of its pipes. */
    private void discardUnstarted(int pid, ChildStdio stdio, int handshakeFd, int goFd) {
        try {
            backend.kill(pid, Signals.SIGKILL);
        } finally {
            OwnedFds.closeQuietly(backend, goFd);
            OwnedFds.closeQuietly(backend, handshakeFd);
            stdio.closeParentEnds();
            int[] status = new int[1];
            backend.waitpid(pid, status, 0);
            RESTARTS.incrementAndGet();
        }
    }

    /**
     * @param attempt 1 for a first fork, then one more for each child that hung before its start
     * @return how long that fork waits, at most, for the VM's threads to be idle
     */
    static Duration quietWait(int attempt) {
        int doublings = Math.min(Math.max(attempt, 1) - 1, 16);
        Duration wait = QUIET_WAIT.multipliedBy(1L << doublings);
        return wait.compareTo(LONGEST_QUIET_WAIT) > 0 ? LONGEST_QUIET_WAIT : wait;
    }

    /** A short, growing, jittered pause, so that the next fork does not land in the same GC storm. */
    private static void pauseBeforeRetry(int attempt) {
        long millis = 5L * attempt + ThreadLocalRandom.current().nextLong(10);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while forking again after a child hung before it started", e);
        }
    }

    /**
     * The child's own {@code alarm}: the deadline rounded up to seconds, plus one, so that the parent's
     * watchdog acts first and reports the hang.
     *
     * @param deadline the deadline, or null
     * @return seconds, 0 for none
     */
    public static int alarmSeconds(Duration deadline) {
        if (deadline == null) {
            return 0;
        }
        long seconds = (deadline.toMillis() + 999) / 1000 + 1;
        return (int) Math.min(seconds, Integer.MAX_VALUE);
    }
}
