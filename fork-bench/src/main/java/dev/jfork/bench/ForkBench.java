package dev.jfork.bench;

import dev.jfork.ChildFailureException;
import dev.jfork.ChildTask;
import dev.jfork.ForkOptions;
import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import dev.jfork.spi.ProcessForker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * One round trip per operation, on each backend:
 * <ul>
 *   <li>{@code raw}: the SPI's {@code fork}; the child calls {@code _exit(0)}; the parent {@code waitpid}s;</li>
 *   <li>{@code run}: {@link Forker#fork(ChildTask, ForkOptions)} of an empty task, waited for;</li>
 *   <li>{@code call}: {@link Forker#call(Callable, ForkOptions)} of {@link SmallTask#compute()}, its
 *       result read back;</li>
 *   <li>{@code exec}: {@link Forker#exec(List, ForkOptions)} of {@code /bin/true}, waited for.</li>
 * </ul>
 * Heap size and transparent huge pages are the JVM's own flags, set by bench.sh.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ForkBench {
    private static final ChildTask EMPTY = () -> 0;
    private static final Callable<Integer> SMALL = SmallTask::compute;
    private static final List<String> TRUE = List.of("/bin/true");
    /** Every child's deadline: a hung child costs this much, once, and is counted. */
    static final Duration DEADLINE = Duration.ofSeconds(10);
    /** System property: the file that hung or failed children are reported to, besides stderr. */
    public static final String EVENTS_PROPERTY = "bench.events.file";
    /** Rounds of {@code warmUpExit} before the first raw fork: the child's only call is {@code _exit}. */
    private static final int EXIT_WARM_UP_ROUNDS = 20_000;

    /** The backend under test. */
    @Param({"jnr", "jna", "jni"})
    public String backend;

    private ProcessForker posix;
    private Forker forker;
    private ForkOptions options;
    private RawWatchdog watchdog;
    private final int[] status = new int[1];
    private String benchmark = "?";

    /**
     * Binds the backend and warms both paths in the parent: jfork's own warm-up runs on the first
     * fork of the safe layer, and {@code _exit}'s binding is warmed for the raw child.
     *
     * @throws Exception when a warm-up fork fails
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        posix = ProcessForkers.backend(backend);
        forker = Forker.of(posix);
        options = ForkOptions.defaults().withDeadline(DEADLINE);
        for (int i = 0; i < EXIT_WARM_UP_ROUNDS; i++) {
            posix.warmUpExit(0);
        }
        // The call child serialises an Integer: make the parent do it once so the child loads nothing.
        try (ObjectOutputStream out = new ObjectOutputStream(new ByteArrayOutputStream())) {
            out.writeObject(SmallTask.compute());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        // one of each, so the timed ones are not the first; a hang here is reported, not fatal
        run();
        call();
        exec();
        watchdog = new RawWatchdog(posix);
    }

    /**
     * Records the JVM's resident size before each iteration.
     *
     * @param params the running benchmark
     */
    @Setup(Level.Iteration)
    public void rssBefore(BenchmarkParams params) {
        benchmark = params.getBenchmark();
        Rss.record(params.getBenchmark(), backend);
    }

    /**
     * Records the JVM's resident size after each iteration.
     *
     * @param params the running benchmark
     */
    @TearDown(Level.Iteration)
    public void rssAfter(BenchmarkParams params) {
        Rss.record(params.getBenchmark(), backend);
    }

    /** Stops the watchdog and reports any raw child it had to kill. */
    @TearDown(Level.Trial)
    public void tearDown() {
        if (watchdog != null) {
            watchdog.close();
            for (int i = 0; i < watchdog.killed(); i++) {
                failed("a raw child hung and was killed with SIGKILL after " + RawWatchdog.LIMIT_SECONDS + " s");
            }
        }
    }

    /**
     * fork, {@code _exit(0)} in the child, {@code waitpid} in the parent.
     *
     * @return the raw wait status
     */
    @Benchmark
    public int raw() {
        int pid = posix.fork();
        if (pid == 0) {
            posix._exit(0);
        }
        watchdog.watch(pid);
        posix.waitpid(pid, status, 0);
        watchdog.clear();
        return status[0];
    }

    /**
     * The safe layer's fork of an empty task, waited for.
     *
     * @return the exit code, 0
     * @throws InterruptedException never, in practice
     */
    @Benchmark
    public int run() throws InterruptedException {
        int code = forker.fork(EMPTY, options).waitFor();
        if (code != 0) {
            failed("the child ended with " + code);
        }
        return code;
    }

    /**
     * The safe layer's call of {@link SmallTask#compute()}.
     *
     * @return the result
     */
    @Benchmark
    public Integer call() {
        try {
            Integer result = forker.call(SMALL, options);
            if (result == null || result != SmallTask.EXPECTED) {
                failed("the child returned " + result);
            }
            return result;
        } catch (ChildFailureException e) {
            // a hung or killed child: counted, and its time stays in the sample
            failed(e.getMessage());
            return null;
        }
    }

    /**
     * The library's exec of {@code /bin/true}, waited for.
     *
     * @return the exit code, 0
     * @throws InterruptedException never, in practice
     */
    @Benchmark
    public int exec() throws InterruptedException {
        int code = forker.exec(TRUE, options).waitFor();
        if (code != 0) {
            failed("/bin/true ended with " + code);
        }
        return code;
    }

    /**
     * Reports a child that did not end as it should (hung and killed by jfork's watchdog, or a wrong
     * result) on stderr and in the file named by {@value #EVENTS_PROPERTY}; the benchmark goes on.
     */
    private void failed(String what) {
        String line = "fork-bench: " + benchmark + " [" + backend + "]: " + what;
        System.err.println(line);
        String file = System.getProperty(EVENTS_PROPERTY);
        if (file != null && !file.isBlank()) {
            Rss.append(file, benchmark + " " + backend + " " + what.replace('\n', ' ') + "\n");
        }
    }
}
