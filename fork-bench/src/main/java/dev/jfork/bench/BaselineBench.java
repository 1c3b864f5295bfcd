package dev.jfork.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The JDK's way, in the same harness and the same JVM: {@link ProcessBuilder} running
 * {@code /bin/true}, and {@link ProcessBuilder} starting a fresh JVM that runs {@link SmallTask} and
 * prints its result, which is read back.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class BaselineBench {
    private List<String> freshJvm;

    /**
     * Finds {@code java} and this class's own class path for the fresh JVM.
     *
     * @throws URISyntaxException never, in practice
     */
    @Setup(Level.Trial)
    public void setUp() throws URISyntaxException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String classPath = Path.of(SmallTask.class.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
        freshJvm = List.of(java, "-cp", classPath, SmallTask.class.getName());
    }

    /**
     * Records the JVM's resident size before each iteration.
     *
     * @param params the running benchmark
     */
    @Setup(Level.Iteration)
    public void rssBefore(BenchmarkParams params) {
        Rss.record(params.getBenchmark(), "-");
    }

    /**
     * Records the JVM's resident size after each iteration.
     *
     * @param params the running benchmark
     */
    @TearDown(Level.Iteration)
    public void rssAfter(BenchmarkParams params) {
        Rss.record(params.getBenchmark(), "-");
    }

    /**
     * {@code new ProcessBuilder("/bin/true").inheritIO().start().waitFor()}: stdio inherited, as in
     * jfork's exec.
     *
     * @return the exit code, 0
     * @throws IOException when it cannot start
     * @throws InterruptedException never, in practice
     */
    @Benchmark
    public int processbuilderTrue() throws IOException, InterruptedException {
        int code = new ProcessBuilder("/bin/true").inheritIO().start().waitFor();
        if (code != 0) {
            throw new IllegalStateException("/bin/true ended with " + code);
        }
        return code;
    }

    /**
     * A fresh JVM that runs {@link SmallTask} and prints its result; the result is read back.
     *
     * @return the result
     * @throws IOException when it cannot start
     * @throws InterruptedException never, in practice
     */
    @Benchmark
    public int processbuilderJvm() throws IOException, InterruptedException {
        Process p = new ProcessBuilder(freshJvm)
            .redirectInput(ProcessBuilder.Redirect.INHERIT)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
        String text;
        try (InputStream out = p.getInputStream()) {
            text = new String(out.readAllBytes(), StandardCharsets.US_ASCII).trim();
        }
        int code = p.waitFor();
        if (code != 0 || !text.equals(Integer.toString(SmallTask.EXPECTED))) {
            throw new IllegalStateException("the fresh JVM ended with " + code + " and printed '" + text + "'");
        }
        return SmallTask.EXPECTED;
    }
}
