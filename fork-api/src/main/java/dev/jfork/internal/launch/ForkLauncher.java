package dev.jfork.internal.launch;

import dev.jfork.ChildFailureException;
import dev.jfork.ChildTask;
import dev.jfork.ErrnoException;
import dev.jfork.ForkOptions;
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

/**
 * The parent's side of one fork, from the prepared JVM to a child that has started: the hooks'
 * bracket, the fork at an idle moment, the go byte (or a discard when the JVM was busy), the start
 * handshake, and forking again a child that hung before its task ({@link StartAttempts}: how often, after
 * what wait).
 */
public final class ForkLauncher {
    /** Serialises forks; a raw child releases it on its way back to the caller, so it wakes nobody. */
    static final ForkSafeLock FORK_LOCK = new ForkSafeLock();
    /**
     * Held, inside {@link #FORK_LOCK}, only from the last look for an idle instant to just after the
     * fork: what jfork's own threads ({@link #whileNoFork}, {@link #betweenForks}) wait for, so that none
     * of them runs Java while a fork is made, yet the deadline and deadlock poller is not held up by a
     * fork's wait for the VM to be idle ({@link StartAttempts#quietWait}, which the poller's own run may end).
     */
    private static final ForkSafeLock FORK_INSTANT = new ForkSafeLock();
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
        if (!FORK_INSTANT.tryLock()) {
            // a fork is being made: the caller looks again later, and wakes nothing meanwhile
            return false;
        }
        try {
            action.run();
            return true;
        } finally {
            FORK_INSTANT.unlock();
        }
    }

    /**
     * Runs {@code action} under the fork lock, waiting for a fork under way to finish: what a reaper does
     * with a child once its native wait has returned, so that it never runs while a fork is made.
     *
     * @param action what to run; it must not block for long
     */
    public static void whileNoFork(Runnable action) {
        FORK_INSTANT.lock();
        try {
            action.run();
        } finally {
            FORK_INSTANT.unlock();
        }
    }

    /** @return what {@code Forker.hugePagesForHeap()} did */
    public dev.jfork.HugePageReport hugePagesForHeap() {
        return parent.hugePagesForHeap();
    }

    /**
     * The first fork's warm-up, on the calling thread, before it hands a fork over to {@link ForkThread}:
     * it runs the child path in this process, which flushes {@code System.out}, whose lock the caller may hold.
     */
    public void warmUpHere() {
        dev.jfork.internal.vm.HeapCheck.requirePrivateHeap();
        parent.warmOnce();
    }

    /** Everything the parent does before a fork (the first time: the warm-up), without forking. */
    public void prepareParent() {
        parent.prepare();
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
        long handshakeMillis = StartAttempts.handshakeMillis();
        ChildFailureException lastHang = null;
        int attempt = 1;
        int busyForks = 0;
        int heldForks = 0;
        // the hooks bracket each child that may start; the re-forks of a child discarded unstarted
        // (the JVM was busy at its fork) happen inside one bracket, so the user sees one fork
        boolean hooksOpen = false;
        try {
            while (attempt <= StartAttempts.START_ATTEMPTS) {
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
                plan.checkInheritedLocks = heldForks < StartAttempts.LOCK_HELD_RETRIES;
                int pid;
                int pidfd = -1;
                int despite;
                boolean forkedWhileBusy;
                // the locks around the fork wake nobody when the child releases them (ForkSafeLock)
                FORK_LOCK.lock();
                boolean instant = false;
                try {
                    try {
                        // the long wait outside FORK_INSTANT: jfork's poller and reapers may run meanwhile
                        boolean quiet = VmQuiescence.awaitIdle(StartAttempts.quietWait(attempt));
                        FORK_INSTANT.lock();
                        instant = true;
                        // last before the fork, so that no other thread of jfork's has time to wake
                        VmQuiescence.IdleMoment idle = VmQuiescence.awaitIdleMoment(
                            quiet ? StartAttempts.LAST_QUIET_WAIT : Duration.ZERO);
                        OwnedFds.LOCK.lock();
                        try {
                            // the child's copy of this set is exactly jfork's descriptors at the fork
                            plan.inherited = OwnedFds.openSetUnderLock();
                            despite = DeadlockWatch.runsDespiteFork();
                            pid = backend.fork();
                            if (pid > 0) {
                                pidfd = ChildPidfd.openUnderLock(backend, pid);
                            }
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
                                backend._exit(ChildRuntime.EXIT_UNCAUGHT);
                            }
                            int code = ChildRuntime.EXIT_UNCAUGHT;
                            try {
                                code = ChildRuntime.live(backend, plan, task, parent.childStreams(),
                                    ChildRuntime.RESET_SIGNALS);
                            } finally {
                                backend._exit(code);
                            }
                        }
                        // first thing after the fork: did one of the JVM's threads run while it was made?
                        forkedWhileBusy = idle != null && !idle.stayedIdle() || (despite & 1) != 0
                            || DeadlockWatch.runsDespiteFork() != despite;
                        // each closed once: after that the number may be another thread's
                        OwnedFds.close(backend, handshake[1]);
                        handshake[1] = -1;
                        OwnedFds.close(backend, go[0]);
                        go[0] = -1;
                        stdio.closeChildEnds();
                    } finally {
                        if (instant) {
                            FORK_INSTANT.unlock();
                        }
                        FORK_LOCK.unlock();
                    }
                } catch (RuntimeException | Error e) {
                    stdio.closeAll();
                    ChildPidfd.close(backend, pidfd);
                    for (int fd : new int[] {handshake[0], handshake[1], go[0], go[1]}) {
                        if (fd >= 0) {
                            OwnedFds.closeQuietly(backend, fd);
                        }
                    }
                    throw e;
                }
                if (forkedWhileBusy && busyForks < StartAttempts.BUSY_FORK_RETRIES) {
                    // it may hold a copy of a lock taken in that instant, and waits for its go: it is
                    // killed before anything of the user's ran, and forked again
                    busyForks++;
                    StartAttempts.discardUnstarted(backend, pid, pidfd, stdio, handshake[0], go[1]);
                    continue;
                }
                try {
                    backend.write(go[1], GO, 1);
                } catch (ErrnoException e) {
                    // EPIPE: the child is gone already; its start byte will not come and it is forked again
                }
                // closes both descriptors; the child runs nothing of the user's before its commit byte
                StartHandshake answer = StartHandshake.await(backend, pid, pidfd, handshake[0], go[1], handshakeMillis,
                    !javaChild);
                if (answer.started) {
                    // one bracket per call: a child killed before its commit, and forked again, ran
                    // no hook, and the parent's hooks run once, around the child that started
                    if (hooksOpen) {
                        hooksOpen = false;
                        HookRegistry.runAfterInParent();
                    }
                    LaunchedChild child = stdio.launched(pid, pidfd, deadline, alarm > 0, javaChild);
                    if (answer.execErrno != 0) {
                        stdio.closeParentEnds();
                        ChildPidfd.reap(backend, pid, pidfd);
                        throw new ErrnoException("execvp(" + ((ExecBody) task).program() + ")", answer.execErrno);
                    }
                    return child;
                }
                stdio.closeParentEnds();
                int[] status = {ChildPidfd.reap(backend, pid, pidfd)}; // ECHILD: an unknown end, no failure
                WaitStatus ended = WaitStatus.of(status[0]);
                if (ended.exited() && ended.exitCode() == InheritedLocks.EXIT_LOCK_HELD) {
                    // it found the VM's chunk-pool lock held at its fork and ended unstarted: a fork
                    // an instant later finds it free, as after a busy fork
                    heldForks++;
                    StartAttempts.countLockHeldRestart();
                    continue;
                }
                StartAttempts.countRestart();
                StartAttempts.pauseBeforeRetry(attempt);
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
        throw new ChildFailureException("jfork: " + StartAttempts.START_ATTEMPTS + " children in a row hung inside the JVM"
            + " before the task began, so it never ran. The last: " + lastHang.getMessage(), lastHang.pid(), null,
            lastHang);
    }

    /**
     * Starts a program without running any Java in the child ({@link NativeSpawn#spawn}).
     *
     * @param natives the backend's native spawn
     * @param args the program and its arguments
     * @param options stdio, working directory and environment, and the deadline if one was asked for
     * @return the started child
     */
    public LaunchedChild spawn(NativeSpawn natives, String[] args, ForkOptions options) {
        return NativeLaunch.spawn(backend, parent, natives, args, options);
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
        return NativeLaunch.printPid(backend, parent, natives, head, tail, options);
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
