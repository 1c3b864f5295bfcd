package dev.jfork.bench;

import dev.jfork.ForkPool;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import dev.jfork.ProcessForkers;
import java.time.Duration;
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

/**
 * {@code pool}: one {@link ForkPool#submit} of a small function, from submission to result, with the
 * pool warm: before each, the pool has its children waiting and has been quiet for
 * {@value #SETTLE_MILLIS} ms (a child just forked finishes its start-up). The fork that replaces the
 * child used is not timed: it happens after the result, on the pool's own thread.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class PoolBench {
    /** Quiet time before each timed submission. */
    static final long SETTLE_MILLIS = 20;

    /** The backend under test. */
    @Param({"jnr", "jna", "jni"})
    public String backend;

    private ForkPool<Integer, Integer> pool;
    private int next;

    /**
     * Makes the pool and waits until its children wait.
     *
     * @throws InterruptedException when interrupted
     */
    @Setup(Level.Trial)
    public void setUp() throws InterruptedException {
        Forker forker = Forker.of(ProcessForkers.backend(backend));
        pool = forker.pool(SmallTask::times, PoolOptions.defaults().withDeadline(ForkBench.DEADLINE));
        if (!pool.awaitReady(Duration.ofSeconds(60))) {
            throw new IllegalStateException("the pool had no child ready after 60 s: " + pool);
        }
        // the first tasks bring new classes (children forked before them are retired): not timed
        for (int i = 0; i < 4; i++) {
            pool.submit(i);
        }
    }

    /**
     * Waits for the pool to be warm again.
     *
     * @throws InterruptedException when interrupted
     */
    @Setup(Level.Invocation)
    public void warm() throws InterruptedException {
        if (!pool.awaitReady(Duration.ofSeconds(30))) {
            throw new IllegalStateException("the pool had no child ready after 30 s: " + pool);
        }
        Thread.sleep(SETTLE_MILLIS);
    }

    /** Ends the pool's children and prints its counters. */
    @TearDown(Level.Trial)
    public void tearDown() {
        System.err.println("fork-bench: pool [" + backend + "]: " + pool);
        pool.close();
    }

    /**
     * One task through the pool.
     *
     * @return the result
     */
    @Benchmark
    public int pool() {
        int argument = next++ & 1023;
        int result = pool.submit(argument);
        if (result != SmallTask.times(argument)) {
            throw new IllegalStateException("the pool answered " + result + " for " + argument);
        }
        return result;
    }
}
