package dev.jfork;

import dev.jfork.internal.launch.ForkLauncher;
import dev.jfork.internal.launch.ForkThread;
import dev.jfork.internal.launch.GuardedProcessForker;
import dev.jfork.internal.launch.NestedForkGuard;
import dev.jfork.internal.launch.StartAttempts;
import dev.jfork.internal.vm.ClassPreload;
import dev.jfork.internal.vm.EdenHeadroom;
import dev.jfork.internal.vm.HangDiagnostics;
import dev.jfork.internal.vm.HugePageAdvice;
import dev.jfork.internal.vm.ThreadCheck;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.NativeSpawn;
import dev.jfork.spi.ProcessForker;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

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
 *       times, so a task never runs twice, each time after a longer wait for the VM's threads to be idle;</li>
 *   <li>the watchdog kills a child that outlives its deadline with SIGKILL and reports it as hung;</li>
 *   <li>every child is reaped exactly once, whether or not anyone waits;</li>
 *   <li>every child that runs Java is forked by jfork's own forking thread, which never ends: it lives
 *       until its task ends or this process dies, whichever thread asked for it ({@link #forkRaw} aside).</li>
 * </ul>
 * On a backend with {@link NativeSpawn} (all of jfork's), {@link #exec} starts the program with
 * {@code posix_spawnp}, without forking the JVM; on one with {@link NativeChildPaths} (jni),
 * {@link #forkPrintingPid} runs the child entirely in native code, where it cannot hang on a JVM lock.
 */
public final class Forker {
    /** System property: {@code false} silences the warning about other threads at a fork. */
    public static final String WARN_THREADS_PROPERTY = ThreadCheck.PROPERTY;
    /** System property: how long, in milliseconds, a new child has to send its start byte. */
    public static final String HANDSHAKE_PROPERTY = StartAttempts.HANDSHAKE_PROPERTY;
    /** Default for {@value #HANDSHAKE_PROPERTY}. */
    public static final long DEFAULT_HANDSHAKE_MILLIS = StartAttempts.DEFAULT_HANDSHAKE_MILLIS;
    /** System property: {@code true} prints a hung child's native (gdb) and Java stacks before it is killed. */
    public static final String GDB_ON_HANG_PROPERTY = HangDiagnostics.GDB_ON_HANG_PROPERTY;
    /**
     * How many children are forked, at most, for one task whose children hang before they start.
     * Under heavy allocation a GC safepoint is often in flight at the fork, and such failures come in
     * runs: measured, three in a row did happen.
     */
    public static final int START_ATTEMPTS = StartAttempts.START_ATTEMPTS;
    /**
     * System property: how many megabytes of the young generation must be free before each fork
     * (default {@value #DEFAULT_MIN_FREE_EDEN_MB}, at most three quarters of eden); the parent runs a
     * young collection first when less is free. A child cannot collect garbage: this is its room.
     */
    public static final String MIN_FREE_EDEN_PROPERTY = EdenHeadroom.MIN_FREE_EDEN_PROPERTY;
    /** Default for {@value #MIN_FREE_EDEN_PROPERTY}. */
    public static final int DEFAULT_MIN_FREE_EDEN_MB = EdenHeadroom.DEFAULT_MIN_FREE_EDEN_MB;
    /**
     * System property: {@code runtime} puts the Java heap on transparent huge pages at the first fork
     * (see {@link #hugePagesForHeap()}); the result, or why it could not, is logged.
     */
    public static final String HUGE_PAGES_PROPERTY = HugePageAdvice.HUGE_PAGES_PROPERTY;
    /** Prefix of the names of jfork's own threads. */
    public static final String THREAD_NAME_PREFIX = ThreadCheck.THREAD_NAME_PREFIX;
    /**
     * System property: how many children of {@code fork}, {@code call} and {@code callAsync} may live at once
     * (default {@value #DEFAULT_MAX_CHILDREN}); past it each waits, interruptibly, until one is reaped. A pool's
     * children count against its own size, {@code exec}'s and {@code forkRaw}'s not at all.
     */
    public static final String MAX_CHILDREN_PROPERTY = ForkThread.MAX_CHILDREN_PROPERTY;
    /** Default for {@value #MAX_CHILDREN_PROPERTY}. */
    public static final int DEFAULT_MAX_CHILDREN = ForkThread.DEFAULT_MAX_CHILDREN;

    private final ProcessForker backend;
    private final ProcessForker guarded;
    private final ForkLauncher launcher;
    private final ChildStarts starts;

    private Forker(ProcessForker backend) {
        // the unguarded backend inside (jfork passes only its own children's pids); users get the guarded one
        this.backend = backend instanceof GuardedProcessForker ? ((GuardedProcessForker) backend).unwrap() : backend;
        this.guarded = GuardedProcessForker.guard(this.backend);
        this.launcher = new ForkLauncher(this.backend);
        this.starts = new ChildStarts(this.backend, launcher);
        // a bad -Dfork.deadline.seconds is reported here, not at the first fork
        ForkOptions.defaults();
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
     * The backend this forker uses, guarded: {@code kill} and {@code waitpid} refuse a pid of 0 or
     * less (a process group, or any child, which would take jfork's own children from it).
     *
     * @return the backend
     */
    public ProcessForker backend() {
        return guarded;
    }

    /**
     * Pays the first fork's price now, off the request path: jfork's child path is run and compiled
     * in this process, the JDK's common classes are loaded (about a second in a fresh JVM), without
     * forking. Call it at start-up; the first {@code fork} or {@code call} does it otherwise.
     *
     * @return this forker
     */
    public Forker warmUp() {
        launcher.prepareParent();
        return this;
    }

    /**
     * Puts this JVM's live heap on transparent huge pages without a restart, so that a fork copies a
     * 512th of the page-table entries: the committed heap is advised {@code MADV_HUGEPAGE} and what is
     * resident is collapsed with {@code MADV_COLLAPSE} (Linux 6.1+; before, the kernel does it over
     * time). Seconds for gigabytes: call it once, at start-up. Heap committed later is not covered.
     *
     * @return what was done
     * @throws IllegalStateException when it cannot be done here (THP off, no {@code madvise}, no heap
     *     found in {@code /proc/self/maps}), saying why
     * @throws ErrnoException when {@code madvise} fails otherwise
     */
    public HugePageReport hugePagesForHeap() {
        return launcher.hugePagesForHeap();
    }

    /**
     * @return how many children, in this JVM, were killed and forked again before their task began: they
     *     sent no start byte in time, or one of the JVM's own threads ran while they were forked
     */
    public static long restartsBeforeStart() {
        return StartAttempts.restarts();
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
     * @throws ChildFailureException when interrupted while it waits for its fork ({@value #MAX_CHILDREN_PROPERTY})
     */
    public ForkedProcess fork(ChildTask task, ForkOptions options) {
        Objects.requireNonNull(task, "task");
        Objects.requireNonNull(options, "options");
        return starts.fork(options, task);
    }

    /**
     * Loads and initialises classes in this process, with the classes declared beside them and their
     * serialisation metadata, so that a child that uses them for the first time defines nothing: a
     * class defined in a child can need the VM thread, which a child does not have, and deadlock it.
     * jfork already does this for the JDK's common classes, each task's nest and what its bytecode names.
     *
     * @param classes the classes a child will use, e.g. a {@code call}'s result type from another file
     */
    public static void preload(Class<?>... classes) {
        Objects.requireNonNull(classes, "classes");
        for (Class<?> type : classes) {
            ClassPreload.preload(Objects.requireNonNull(type, "class"));
        }
    }

    /**
     * {@code fork()} as in C or Python, made as safely as a JVM allows: it returns 0 in the child and
     * the child's pid in the parent, and the child goes on from here. Before the fork jfork does what
     * it does for {@link #fork(ChildTask)}: its child path warmed, eden made room in, an idle instant of
     * the JVM's own threads, a child forked while one of them ran discarded and forked again. The
     * child then has SIGTERM, SIGINT and SIGHUP at their defaults, its own {@code System.in},
     * {@code out} and {@code err}, {@code alarm} armed for {@code options}' deadline (SIGALRM ends it),
     * and runs the {@link ForkHooks}. Unlike every other fork of jfork's, it is made on the calling thread
     * (the child goes on from there), so the child dies with SIGKILL when <em>that thread</em> ends
     * ({@code PR_SET_PDEATHSIG} follows the thread): call it from a thread that outlives the child.
     *
     * <p>The caller owns the child: end it with {@code backend()._exit(code)}, never by returning or
     * {@code System.exit}, and reap it in the parent with {@code backend().waitpid(pid, status, 0)}.
     * jfork does not watch or reap it. In the child, {@code ProcessHandle.current().pid()} is still the
     * parent's (the JDK caches it); {@code backend().getpid()} is right.
     *
     * @param options the deadline (stdio settings are ignored: the child shares the parent's)
     * @return 0 in the child, the child's pid in the parent
     * @throws ErrnoException when {@code fork} fails
     */
    public int forkRaw(ForkOptions options) {
        Objects.requireNonNull(options, "options");
        options.requireNoExecSettings("forkRaw");
        ForkOptions inherit = options.withInheritedStdio();
        return launcher.start(inherit, null, true, null).pid();
    }

    /** @return {@link #forkRaw(ForkOptions)} with the default deadline: 0 in the child, its pid in the parent */
    public int forkRaw() {
        return forkRaw(ForkOptions.defaults());
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
     * Like {@link #call(Callable)}, with options: the deadline (the child keeps the parent's stdio).
     *
     * @param task the work
     * @param options the deadline; a stdio setting other than inherit is refused (IllegalArgumentException)
     * @param <T> the result type
     * @return the result
     */
    public <T> T call(Callable<T> task, ForkOptions options) {
        // decoded on this thread: no other thread of jfork's runs after it, before the next fork
        return ChildStarts.await(starts.call(task, options, true));
    }

    /**
     * Returns at once; the fork is made on jfork's forking thread, and the future completes with the task's
     * result once the child has ended.
     *
     * @param task the work
     * @param <T> the result type
     * @return the future result; fails with {@link ChildFailureException}
     */
    public <T> CompletableFuture<T> callAsync(Callable<T> task) {
        return callAsync(task, ForkOptions.defaults());
    }

    /**
     * Like {@link #callAsync(Callable)}, with options. It waits only while {@value #MAX_CHILDREN_PROPERTY}
     * children live (for one to end; interrupted, it throws {@link ChildFailureException}).
     *
     * @param task the work
     * @param options the deadline; a stdio setting is refused, as by {@link #call(Callable, ForkOptions)}
     * @param <T> the result type
     * @return the future result; fails with {@link ChildFailureException}. Cancelled, or completed from outside
     *     (orTimeout, complete...), it kills the child (SIGKILL). It completes on a thread of jfork's callbacks.
     */
    public <T> CompletableFuture<T> callAsync(Callable<T> task, ForkOptions options) {
        return starts.call(task, options, false);
    }

    /**
     * Starts a program in a child with the default options (no deadline): {@code argv[0]} is searched
     * in {@code PATH}.
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
     * @param options stdio, the program's working directory and environment, and a deadline only if
     *     {@link ForkOptions#withDeadline} set one: as with {@link ProcessBuilder}, none by default
     * @return the running child
     * @throws ErrnoException when the program cannot be executed (ENOENT, EACCES, ...; ENOENT too
     *     for a working directory that does not exist), or a redirect's file cannot be opened
     * @throws IllegalArgumentException when {@code argv} is empty or an argument holds a NUL character
     */
    public ForkedProcess exec(List<String> argv, ForkOptions options) {
        Objects.requireNonNull(argv, "argv");
        Objects.requireNonNull(options, "options");
        return starts.exec(argv, options);
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
        return starts.printPid(prefix, suffix, options);
    }

    /**
     * A pool of children forked ahead of time, each waiting to run {@code function} on an argument sent
     * to it, with the default {@link PoolOptions}. Close it when done.
     *
     * @param function what each task runs, in a child; fixed for the pool's life
     * @param <A> the argument type, serialisable
     * @param <R> the result type, serialisable
     * @return the pool; it starts forking its children in the background at once
     */
    public <A, R> ForkPool<A, R> pool(Function<? super A, ? extends R> function) {
        return pool(function, PoolOptions.defaults());
    }

    /**
     * Like {@link #pool(Function)}, with options.
     *
     * @param function what each task runs, in a child
     * @param options size, tasks per child, what a submission does when no child waits, deadline
     * @param <A> the argument type, serialisable
     * @param <R> the result type, serialisable
     * @return the pool
     */
    public <A, R> ForkPool<A, R> pool(Function<? super A, ? extends R> function, PoolOptions options) {
        Objects.requireNonNull(function, "function");
        Objects.requireNonNull(options, "options");
        NestedForkGuard.requireParent(backend, "pool");
        return new ForkPool<>(this, starts, function, options);
    }
}
