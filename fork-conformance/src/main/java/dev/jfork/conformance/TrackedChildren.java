package dev.jfork.conformance;

import dev.jfork.ForkHooks;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * What a kit test started and must end, whether it passes or fails: its child processes, its pending
 * calls, its pools and its at-fork hooks. Every kit room tracks through the one instance {@link RawSpiKit} makes
 * for each test ({@code tracked}), and {@link RawSpiKit}'s {@code @AfterEach} ends it all before it
 * counts the test's raw children, zombies and pipes.
 *
 * <p>Ending: each hook is unregistered; each call is cancelled (a cancelled call's future kills its
 * child, and jfork's reader of its answer reaps it; a done one is left as it is); each pool (or other
 * {@link AutoCloseable}) is closed; each process still
 * alive gets {@code destroyForcibly()}, and each is waited for, {@value #REAP_SECONDS} s at most.
 * {@link RawSpiKit} then gives the test's zombie children as long to go (a cancelled call's child is
 * reaped by jfork's reader of its answer, a moment later) before it counts them.
 */
final class TrackedChildren {
    /** How long a tracked child may take to be reaped once it has been sent SIGKILL. */
    static final int REAP_SECONDS = 10;

    private final Set<Process> processes = ConcurrentHashMap.newKeySet();
    private final Set<Future<?>> calls = ConcurrentHashMap.newKeySet();
    private final Set<Runnable> hooks = ConcurrentHashMap.newKeySet();
    private final Set<AutoCloseable> closeables = ConcurrentHashMap.newKeySet();

    /**
     * Ends this process (a {@link dev.jfork.ForkedProcess} or any other) after the test.
     *
     * @param p the process
     * @param <P> its type
     * @return {@code p}
     */
    <P extends Process> P process(P p) {
        processes.add(p);
        return p;
    }

    /**
     * The processes tracked so far and not yet ended, as they are now.
     *
     * @return a copy
     */
    Set<Process> processes() {
        return Set.copyOf(processes);
    }

    /**
     * Cancels this call's future after the test, which kills its child if it still runs.
     *
     * @param f the future of a {@code callAsync} or a pool's call
     * @param <F> its type
     * @return {@code f}
     */
    <F extends Future<?>> F call(F f) {
        calls.add(f);
        return f;
    }

    /**
     * Unregisters this at-fork hook after the test ({@link ForkHooks#unregister}).
     *
     * @param hook the hook as it was registered
     * @param <R> its type
     * @return {@code hook}
     */
    <R extends Runnable> R hook(R hook) {
        hooks.add(hook);
        return hook;
    }

    /**
     * Closes this (a {@link dev.jfork.ForkPool}, say, which ends its children) after the test, after its
     * calls are cancelled and before its processes are ended.
     *
     * @param c what to close
     * @param <C> its type
     * @return {@code c}
     */
    <C extends AutoCloseable> C closing(C c) {
        closeables.add(c);
        return c;
    }

    /**
     * Ends everything tracked and forgets it.
     *
     * @return what did not end, one line each ({@code child 1234 reaped}, or a close that threw), empty if all did
     * @throws InterruptedException if interrupted while waiting
     */
    List<String> endAll() throws InterruptedException {
        for (Runnable hook : hooks) {
            ForkHooks.unregister(hook);
        }
        hooks.clear();
        for (Future<?> call : calls) {
            call.cancel(true);
        }
        calls.clear();
        List<String> unreaped = new ArrayList<>();
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                unreaped.add(c + " closed, not " + e);
            }
        }
        closeables.clear();
        for (Process p : processes) {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
            if (!p.waitFor(REAP_SECONDS, TimeUnit.SECONDS)) {
                unreaped.add("child " + p.pid() + " reaped");
            }
        }
        processes.clear();
        return unreaped;
    }
}
