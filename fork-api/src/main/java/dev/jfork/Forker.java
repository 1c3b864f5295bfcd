package dev.jfork;

import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.ProcessForker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Safe forking on top of a backend: {@link #fork} runs a task in a child and returns it as a
 * {@link Process}, {@link #call} brings a task's result back, {@link #exec} starts a program.
 *
 * <p>What jfork does around every fork:
 * <ul>
 *   <li>refuses a JVM whose heap is shared (ZGC), with {@link ForkRefusedException};</li>
 *   <li>before the first fork, runs its own child path once in the parent ({@code PreWarm});</li>
 *   <li>flushes {@code System.out} and {@code System.err}, and warns once if other threads run;</li>
 *   <li>in the child, before any user code: SIGTERM, SIGINT and SIGHUP back to their default action,
 *       {@code alarm} for the deadline, then one start byte to the parent; {@code System.out} and
 *       {@code System.err} become new streams on fd 1 and 2 that share no lock with the parent's;</li>
 *   <li>the child always ends with {@code _exit}: the task's code, or {@link ForkedProcess#EXIT_UNCAUGHT}
 *       after an uncaught exception (stack trace on fd 2);</li>
 *   <li>a child that sends no start byte within {@value #DEFAULT_HANDSHAKE_MILLIS} ms is stuck inside
 *       the JVM before the task began: it is killed and forked again, at most {@value #START_ATTEMPTS}
 *       times, so a task never runs twice;</li>
 *   <li>the watchdog kills a child that outlives its deadline with SIGKILL and reports it as hung;</li>
 *   <li>every child is reaped exactly once, whether or not anyone waits.</li>
 * </ul>
 * On a backend with {@link NativeChildPaths} (jni), {@link #exec} and {@link #forkPrintingPid} run
 * the child entirely in native code, where it cannot hang on a JVM lock.
 */
public final class Forker {
    /** System property: {@code false} silences the warning about other threads at a fork. */
    public static final String WARN_THREADS_PROPERTY = "fork.warnThreads";
    /** System property: how long, in milliseconds, a new child has to send its start byte. */
    public static final String HANDSHAKE_PROPERTY = "fork.handshake.millis";
    /** Default for {@value #HANDSHAKE_PROPERTY}. */
    public static final long DEFAULT_HANDSHAKE_MILLIS = 2000;
    /**
     * How many children are forked, at most, for one task whose children hang before they start.
     * Under heavy allocation a GC safepoint is often in flight at the fork, and such failures come in
     * runs: measured, three in a row did happen.
     */
    public static final int START_ATTEMPTS = 8;
    /** Prefix of the names of jfork's own threads. */
    public static final String THREAD_NAME_PREFIX = "jfork-";

    private static final Object FORK_LOCK = new Object();
    private static final Duration QUIET_WAIT = Duration.ofMillis(200);
    private static final AtomicLong RESTARTS = new AtomicLong();
    /**
     * How many times, at most, a child forked while one of the JVM's threads ran is killed before its
     * go and forked again; after that the next one goes ahead (the wait for an idle instant comes
     * first each time).
     */
    private static final int BUSY_FORK_RETRIES = 4;
    private static final byte[] GO = {'G'};

    private final ProcessForker backend;
    private static final java.util.Set<Class<?>> WARMED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    // The child's System.out and System.err, made once here and never written in the parent, so that
    // each child gets a pristine copy without allocating.
    private volatile PrintStream childOut;
    private volatile PrintStream childErr;

    private Forker(ProcessForker backend) {
        // the unguarded backend: jfork passes only its own children's pids, and needs its capabilities
        this.backend = backend instanceof GuardedProcessForker ? ((GuardedProcessForker) backend).unwrap() : backend;
    }

    /**
     * A forker on the selected backend ({@link ProcessForkers#backend()}).
     *
     * @return the forker
     */
    public static Forker create() {
        return new Forker(ProcessForkers.backend());
    }

    /**
     * A forker on the given backend.
     *
     * @param backend an available backend
     * @return the forker
     */
    public static Forker of(ProcessForker backend) {
        Objects.requireNonNull(backend, "backend");
        backend.unavailabilityCause().ifPresent(cause -> {
            throw new BackendSelectionException("jfork: backend '" + backend.name() + "' is unavailable: " + cause);
        });
        return new Forker(backend);
    }

    /**
     * The backend this forker uses.
     *
     * @return the backend
     */
    public ProcessForker backend() {
        return backend;
    }

    /**
     * How many children, in this JVM, were killed and forked again before their task began: because
     * they sent no start byte in time, or because one of the JVM's own threads ran while they were
     * forked (see {@link VmQuiescence}).
     *
     * @return the count since start
     */
    public static long restartsBeforeStart() {
        return RESTARTS.get();
    }

    /**
     * Runs {@code task} in a forked child with the default options.
     *
     * @param task the child's work; its result is the exit code
     * @return the running child
     */
    public ForkedProcess fork(ChildTask task) {
        return fork(task, ForkOptions.defaults());
    }

    /**
     * Runs {@code task} in a forked child.
     *
     * @param task the child's work; its result is the exit code
     * @param options deadline and stdio
     * @return the running child
     */
    public ForkedProcess fork(ChildTask task, ForkOptions options) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        return start(options, task, true, null);
    }

    /**
     * Runs {@code task} in a forked child and returns its result, serialised back over a pipe.
     *
     * @param task the work; its result must be {@link java.io.Serializable} (or null)
     * @param <T> the result type
     * @return the result
     * @throws ChildFailureException when the task threw (the cause is its exception, with the child's
     *     stack trace), the result cannot be serialised, or the child was killed or hung
     */
    public <T> T call(Callable<T> task) {
        return call(task, ForkOptions.defaults());
    }

    /**
     * Like {@link #call(Callable)}, with options; stdio settings other than inherit are ignored.
     *
     * @param task the work
     * @param options the deadline
     * @param <T> the result type
     * @return the result
     */
    public <T> T call(Callable<T> task, ForkOptions options) {
        try {
            return callAsync(task, options).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException) {
                throw (RuntimeException) e.getCause();
            }
            throw e;
        }
    }

    /**
     * Forks now and completes with the task's result once the child has ended.
     *
     * @param task the work
     * @param <T> the result type
     * @return the future result; fails with {@link ChildFailureException}
     */
    public <T> CompletableFuture<T> callAsync(Callable<T> task) {
        return callAsync(task, ForkOptions.defaults());
    }

    /**
     * Forks now and completes with the task's result once the child has ended.
     *
     * @param task the work
     * @param options the deadline
     * @param <T> the result type
     * @return the future result; fails with {@link ChildFailureException}
     */
    public <T> CompletableFuture<T> callAsync(Callable<T> task, ForkOptions options) {
        Objects.requireNonNull(task, "task");
        ForkOptions inherit = options.withStdin(ForkOptions.Stdio.INHERIT).withStdout(ForkOptions.Stdio.INHERIT)
            .withStderr(ForkOptions.Stdio.INHERIT);
        int[] result = backend.pipe();
        ForkedProcess child;
        try {
            ChildTask body = new CallBody(backend, task, result[1]);
            child = start(inherit, body, true, new int[] {result[0]});
        } catch (RuntimeException | Error e) {
            closeQuietly(result[0]);
            throw e;
        } finally {
            backend.close(result[1]);
        }
        CompletableFuture<T> future = new CompletableFuture<>();
        ChildWatch.REAPERS.execute(() -> {
            try {
                byte[] message = readAll(new FdInputStream(backend, result[0]));
                ChildEnd end = child.awaitEnd();
                future.complete(CallResults.<T>decode(message, end, child));
            } catch (Throwable t) {
                future.completeExceptionally(t);
            }
        });
        return future;
    }

    /**
     * Starts a program in a child with the default options: {@code argv[0]} is searched in
     * {@code PATH}.
     *
     * @param argv the program and its arguments
     * @return the running child
     * @throws ErrnoException when the program cannot be executed (ENOENT, EACCES, ...)
     */
    public ForkedProcess exec(List<String> argv) {
        return exec(argv, ForkOptions.defaults());
    }

    /**
     * Starts a program in a child: stdio as asked, every other descriptor closed, signals at their
     * defaults. A failed exec reaches the caller as an {@link ErrnoException}, through a
     * close-on-exec pipe.
     *
     * @param argv the program and its arguments
     * @param options deadline and stdio
     * @return the running child
     * @throws ErrnoException when the program cannot be executed (ENOENT, EACCES, ...)
     */
    public ForkedProcess exec(List<String> argv, ForkOptions options) {
        Objects.requireNonNull(options, "options");
        if (argv == null || argv.isEmpty()) {
            throw new IllegalArgumentException("exec needs a program: argv is empty");
        }
        String[] args = argv.toArray(new String[0]);
        for (String arg : args) {
            Objects.requireNonNull(arg, "argv holds null");
        }
        if (backend instanceof NativeChildPaths) {
            return spawnNatively((NativeChildPaths) backend, args, options);
        }
        return start(options, new ExecBody(backend, args, 3), false, null);
    }

    /**
     * Forks a child that writes {@code prefix + <its pid> + suffix} to its stdout in one
     * {@code write}, then ends with exit code 0: the seed program's child. On a backend with
     * {@link NativeChildPaths} it runs no Java at all.
     *
     * @param prefix the text before the pid
     * @param suffix the text after it, e.g. a line separator
     * @return the running child
     */
    public ForkedProcess forkPrintingPid(String prefix, String suffix) {
        return forkPrintingPid(prefix, suffix, ForkOptions.defaults());
    }

    /**
     * Like {@link #forkPrintingPid(String, String)}, with a deadline and, if asked, a piped stdout;
     * stdin and stderr settings are ignored.
     *
     * @param prefix the text before the pid
     * @param suffix the text after it
     * @param options the deadline and stdout
     * @return the running child
     */
    public ForkedProcess forkPrintingPid(String prefix, String suffix, ForkOptions options) {
        byte[] head = prefix.getBytes(StandardCharsets.UTF_8);
        byte[] tail = suffix.getBytes(StandardCharsets.UTF_8);
        ForkOptions onlyStdout = options.withStdin(ForkOptions.Stdio.INHERIT).withStderr(ForkOptions.Stdio.INHERIT);
        if (!(backend instanceof NativeChildPaths)) {
            return start(onlyStdout, new PrintPidBody(backend, head, tail, 1), true, null);
        }
        prepareParent();
        Duration deadline = options.deadline().orElse(null);
        Stdio stdio = Stdio.open(backend, onlyStdout);
        ForkedProcess child;
        try {
            synchronized (FORK_LOCK) {
                int fd = stdio.childOut >= 0 ? stdio.childOut : 1;
                int pid = ((NativeChildPaths) backend).forkPrintPidAndExit(fd, head, tail, 0, alarmSeconds(deadline));
                stdio.closeChildEnds();
                child = stdio.process(pid, deadline, deadline != null);
            }
        } catch (RuntimeException | Error e) {
            stdio.closeAll();
            throw e;
        }
        child.watch();
        return child;
    }

    private ForkedProcess spawnNatively(NativeChildPaths natives, String[] args, ForkOptions options) {
        prepareParent();
        Stdio stdio = Stdio.open(backend, options);
        ForkedProcess child;
        try {
            synchronized (FORK_LOCK) {
                int pid = natives.spawn(args, stdio.childIn, stdio.childOut, stdio.childErr);
                stdio.closeChildEnds();
                child = stdio.process(pid, options.deadline().orElse(null), false);
            }
        } catch (RuntimeException | Error e) {
            stdio.closeAll();
            throw e;
        }
        child.watch();
        return child;
    }

    /** The parent's side of every fork, before it. */
    private void prepareParent() {
        HeapCheck.requirePrivateHeap();
        if (childOut == null) {
            synchronized (this) {
                if (childOut == null) {
                    InterpretedForkSite.ensure();
                    warmUpOncePerBackend();
                    childErr = ChildRuntime.childStream(backend, 2);
                    childOut = ChildRuntime.childStream(backend, 1);
                }
            }
        }
        System.out.flush();
        System.err.flush();
        ThreadCheck.warnOnceIfOtherThreads();
        HugePageAdvice.adviseOnce();
        EdenHeadroom.ensure();
    }

    private void warmUpOncePerBackend() {
        synchronized (WARMED) {
            if (WARMED.contains(backend.getClass())) {
                return;
            }
            try {
                PreWarm.run(backend);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("jfork's warm-up failed: " + e, e);
            }
            WARMED.add(backend.getClass());
        }
    }

    private ForkedProcess start(ForkOptions options, ChildTask task, boolean javaChild, int[] closeInChild) {
        prepareParent();
        Duration deadline = options.deadline().orElse(null);
        int alarm = alarmSeconds(deadline);
        long handshakeMillis = Long.getLong(HANDSHAKE_PROPERTY, DEFAULT_HANDSHAKE_MILLIS);
        ChildFailureException lastHang = null;
        int attempt = 1;
        int busyForks = 0;
        // the hooks bracket each child that may start; the re-forks of a child discarded unstarted
        // (the JVM was busy at its fork) happen inside one bracket, so the user sees one fork
        boolean hooksOpen = false;
        try {
            while (attempt <= START_ATTEMPTS) {
                if (javaChild && !hooksOpen) {
                    ForkHooks.runBefore();
                    hooksOpen = true;
                }
                Stdio stdio = Stdio.open(backend, options);
                int[] handshake = null;
                int[] go = null;
                try {
                    handshake = backend.pipe();
                    go = backend.pipe();
                } catch (RuntimeException e) {
                    stdio.closeAll();
                    if (handshake != null) {
                        closeQuietly(handshake[0]);
                        closeQuietly(handshake[1]);
                    }
                    throw e;
                }
                ChildPlan plan = stdio.plan(handshake, go, closeInChild, alarm, javaChild);
                int pid;
                boolean forkedWhileBusy;
                try {
                    synchronized (FORK_LOCK) {
                        // last before the fork, so that no other thread of jfork's has time to wake
                        VmQuiescence.IdleMoment idle = VmQuiescence.awaitIdleMoment(QUIET_WAIT);
                        pid = backend.fork();
                        if (pid == 0) {
                            // this method runs interpreted (InterpretedForkSite): compiled, this branch
                            // would be an uncommon trap, never taken in the parent
                            int code = ForkedProcess.EXIT_UNCAUGHT;
                            try {
                                code = ChildRuntime.live(backend, plan, task, childOut, childErr, ChildRuntime.RESET_SIGNALS);
                            } finally {
                                backend._exit(code);
                            }
                        }
                        // first thing after the fork: did one of the JVM's threads run while it was made?
                        forkedWhileBusy = idle != null && !idle.stayedIdle();
                        backend.close(handshake[1]);
                        backend.close(go[0]);
                        stdio.closeChildEnds();
                    }
                } catch (RuntimeException | Error e) {
                    stdio.closeAll();
                    for (int fd : new int[] {handshake[0], handshake[1], go[0], go[1]}) {
                        closeQuietly(fd);
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
                } finally {
                    backend.close(go[1]);
                }
                hooksOpen = false;
                if (javaChild) {
                    ForkHooks.runAfterInParent();
                }
                Handshake answer = Handshake.await(backend, pid, handshake[0], handshakeMillis, !javaChild);
                if (answer.started) {
                    ForkedProcess child = stdio.process(pid, deadline, alarm > 0);
                    if (answer.execErrno != 0) {
                        stdio.closeParentEnds();
                        int[] status = new int[1];
                        backend.waitpid(pid, status, 0);
                        throw new ErrnoException("execvp(" + ((ExecBody) task).program() + ")", answer.execErrno);
                    }
                    child.watch();
                    return child;
                }
                stdio.closeParentEnds();
                int[] status = new int[1];
                backend.waitpid(pid, status, 0);
                RESTARTS.incrementAndGet();
                pauseBeforeRetry(attempt);
                lastHang = new ChildFailureException("jfork: child " + pid + " sent no start byte within "
                    + handshakeMillis + " ms (stuck inside the JVM before the task began) and was killed; "
                    + WaitStatus.of(status[0]), pid, null, null);
                attempt++;
            }
        } finally {
            if (hooksOpen) {
                // the fork failed after the before hooks ran: the parent's side is still told
                ForkHooks.runAfterInParent();
            }
        }
        throw new ChildFailureException("jfork: " + START_ATTEMPTS + " children in a row hung inside the JVM before"
            + " the task began, so it never ran. The last: " + lastHang.getMessage(), lastHang.pid(), null, lastHang);
    }

    /** Kills and reaps a child that has not been given its go, and closes the parent's ends of its pipes. */
    private void discardUnstarted(int pid, Stdio stdio, int handshakeFd, int goFd) {
        try {
            backend.kill(pid, Signals.SIGKILL);
        } finally {
            closeQuietly(goFd);
            closeQuietly(handshakeFd);
            stdio.closeParentEnds();
            int[] status = new int[1];
            backend.waitpid(pid, status, 0);
            RESTARTS.incrementAndGet();
        }
    }

    /** A short, growing, jittered pause, so that the next fork does not land in the same GC storm. */
    private static void pauseBeforeRetry(int attempt) {
        long millis = 5L * attempt + java.util.concurrent.ThreadLocalRandom.current().nextLong(10);
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while forking again after a child hung before it started", e);
        }
    }

    static int alarmSeconds(Duration deadline) {
        if (deadline == null) {
            return 0;
        }
        // rounded up, plus one second: the parent's watchdog acts first and reports the hang
        long seconds = (deadline.toMillis() + 999) / 1000 + 1;
        return (int) Math.min(seconds, Integer.MAX_VALUE);
    }

    private void closeQuietly(int fd) {
        try {
            backend.close(fd);
        } catch (ErrnoException ignored) {
            // already closed
        }
    }

    static void writeFully(ProcessForker backend, int fd, byte[] bytes) throws IOException {
        try (OutputStream out = new FdOutputStream(backend, fd, false)) {
            out.write(bytes);
        }
    }

    static byte[] readAll(InputStream in) throws IOException {
        try (InputStream stream = in) {
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            stream.transferTo(all);
            return all.toByteArray();
        }
    }

    /** The parent's pipes for one child's stdio. */
    private static final class Stdio {
        final ProcessForker backend;
        final int[] in;
        final int[] out;
        final int[] err;
        final int childIn;
        final int childOut;
        final int childErr;

        private Stdio(ProcessForker backend, int[] in, int[] out, int[] err) {
            this.backend = backend;
            this.in = in;
            this.out = out;
            this.err = err;
            this.childIn = in == null ? -1 : in[0];
            this.childOut = out == null ? -1 : out[1];
            this.childErr = err == null ? -1 : err[1];
        }

        static Stdio open(ProcessForker backend, ForkOptions options) {
            List<int[]> made = new ArrayList<>();
            try {
                int[] in = options.stdin() == ForkOptions.Stdio.PIPE ? track(made, backend.pipe()) : null;
                int[] out = options.stdout() == ForkOptions.Stdio.PIPE ? track(made, backend.pipe()) : null;
                int[] err = options.stderr() == ForkOptions.Stdio.PIPE ? track(made, backend.pipe()) : null;
                return new Stdio(backend, in, out, err);
            } catch (RuntimeException e) {
                for (int[] p : made) {
                    backend.close(p[0]);
                    backend.close(p[1]);
                }
                throw e;
            }
        }

        private static int[] track(List<int[]> made, int[] pipe) {
            made.add(pipe);
            return pipe;
        }

        ChildPlan plan(int[] handshake, int[] go, int[] extraClose, int alarmSeconds, boolean javaChild) {
            List<Integer> close = new ArrayList<>();
            close.add(handshake[0]);
            close.add(go[1]);
            List<int[]> dups = new ArrayList<>();
            if (in != null) {
                close.add(in[1]);
                dups.add(new int[] {in[0], 0});
            }
            if (out != null) {
                close.add(out[0]);
                dups.add(new int[] {out[1], 1});
            }
            if (err != null) {
                close.add(err[0]);
                dups.add(new int[] {err[1], 2});
            }
            if (extraClose != null) {
                for (int fd : extraClose) {
                    close.add(fd);
                }
            }
            int[] closeFds = close.stream().mapToInt(Integer::intValue).toArray();
            int[] from = dups.stream().mapToInt(d -> d[0]).toArray();
            int[] to = dups.stream().mapToInt(d -> d[1]).toArray();
            return new ChildPlan(closeFds, from, to, handshake[1], go[0], alarmSeconds, javaChild);
        }

        void closeChildEnds() {
            if (in != null) {
                backend.close(in[0]);
            }
            if (out != null) {
                backend.close(out[1]);
            }
            if (err != null) {
                backend.close(err[1]);
            }
        }

        void closeParentEnds() {
            if (in != null) {
                backend.close(in[1]);
            }
            if (out != null) {
                backend.close(out[0]);
            }
            if (err != null) {
                backend.close(err[0]);
            }
        }

        void closeAll() {
            for (int[] p : new int[][] {in, out, err}) {
                if (p != null) {
                    for (int fd : p) {
                        try {
                            backend.close(fd);
                        } catch (ErrnoException ignored) {
                            // already closed
                        }
                    }
                }
            }
        }

        ForkedProcess process(int pid, Duration deadline, boolean alarmArmed) {
            return new ForkedProcess(backend, pid, deadline, alarmArmed,
                in == null ? null : new FdOutputStream(backend, in[1], true),
                out == null ? null : new FdInputStream(backend, out[0]),
                err == null ? null : new FdInputStream(backend, err[0]));
        }
    }

    /** The parent's wait for a new child's start byte, with a SIGKILL when it does not come. */
    private static final class Handshake {
        final boolean started;
        final int execErrno;

        private Handshake(boolean started, int execErrno) {
            this.started = started;
            this.execErrno = execErrno;
        }

        static Handshake await(ProcessForker backend, int pid, int fd, long millis, boolean execChild) {
            // the killer signals only while the read is pending: the child is not reaped before the
            // read returns, so its pid cannot have been reused
            Object lock = new Object();
            AtomicBoolean answered = new AtomicBoolean();
            AtomicBoolean killed = new AtomicBoolean();
            ScheduledFuture<?> killer = ChildWatch.TIMER.schedule(() -> {
                // decided, diagnosed and killed under the lock: however long gdb takes, the reader then
                // sees that this child was killed, and does not reap it before the kill
                synchronized (lock) {
                    if (!answered.get()) {
                        killed.set(true);
                        HangDiagnostics.printNativeStacks(pid, "sent no start byte within " + millis + " ms");
                        try {
                            backend.kill(pid, Signals.SIGKILL);
                        } catch (ErrnoException gone) {
                            // it died on its own; the parent's read sees end of file
                        }
                    }
                }
            }, millis, TimeUnit.MILLISECONDS);
            try (FdInputStream in = new FdInputStream(backend, fd)) {
                int first = in.read();
                if (first < 0 || !execChild) {
                    return new Handshake(first >= 0, 0);
                }
                // an exec child's pipe closes on a successful exec, or carries its errno. No user code
                // runs before the exec, so a child killed while stuck before it is simply forked again.
                byte[] errno = in.readNBytes(4);
                synchronized (lock) {
                    if (killed.get()) {
                        return new Handshake(false, 0);
                    }
                }
                return new Handshake(true, errno.length == 4 ? ExecErrors.decode(errno, 0) : 0);
            } catch (IOException e) {
                throw new IllegalStateException("jfork: reading child " + pid + "'s start byte failed: " + e, e);
            } finally {
                synchronized (lock) {
                    answered.set(true);
                }
                killer.cancel(false);
            }
        }
    }
}
