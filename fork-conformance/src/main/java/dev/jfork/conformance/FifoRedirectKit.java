package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.ChildTask;
import dev.jfork.ForkOptions;
import dev.jfork.ForkOptions.Stdio;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A redirect from or to a FIFO, whose {@code open(2)} waits for the other side: it holds up only the
 * child it is for, never another fork (every Java child is forked by one thread of jfork's). Part of the
 * kit that every backend runs through {@link ProcessForkerCompatibilityKit}.
 */
public abstract class FifoRedirectKit extends ReapingKit {
    private static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));

    private <P extends Process> P tracked(P p) {
        return tracked.process(p);
    }

    @Nested
    @DisplayName("a redirect from or to a FIFO")
    class FifoRedirects {
        @TempDir
        Path dir;

        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("a child reading a FIFO that has no writer yet holds up no other fork, and starts once a writer opens it")
        void fifoOpenBlocksNoOtherFork() throws Exception {
            Path fifo = dir.resolve("pipe");
            assertThat(tracked(new ProcessBuilder("mkfifo", fifo.toString()).start()).waitFor()).isZero();
            Forker safe = Forker.of(forker);
            ExecutorService threads = Executors.newFixedThreadPool(3);
            boolean done = false;
            try {
                // open(2) of the FIFO for reading blocks until a writer opens it
                Future<ForkedProcess> consumer = threads.submit(() -> tracked(safe.exec(List.of("cat"),
                    SHORT.withStdin(Redirect.from(fifo.toFile())).withStdout(Stdio.PIPE))));
                Thread.sleep(200);
                Future<Integer> unrelated = threads.submit(() -> safe.call(() -> 41 + 1));
                assertThat(unrelated.get(bound(10_000), TimeUnit.MILLISECONDS))
                    .as("an unrelated call while another child's redirect waits in open(2)").isEqualTo(42);
                Future<ForkedProcess> producer = threads.submit(() -> tracked(safe.exec(
                    List.of("echo", "hi through the fifo"), SHORT.withStdout(Redirect.to(fifo.toFile())))));
                ForkedProcess writer = producer.get(bound(10_000), TimeUnit.MILLISECONDS);
                ForkedProcess reader = consumer.get(bound(10_000), TimeUnit.MILLISECONDS);
                assertThat(ProbeJvmKit.readAll(reader.getInputStream())).isEqualTo("hi through the fifo\n");
                assertThat(writer.waitFor()).isZero();
                assertThat(reader.waitFor()).isZero();
                done = true;
            } finally {
                if (!done) {
                    // a writer opened here ends a reader's open(2) that still waits, so nothing stays blocked
                    tracked(new ProcessBuilder("timeout", "5", "sh", "-c", ": > '" + fifo + "'").start()).waitFor();
                }
                threads.shutdown();
                assertThat(threads.awaitTermination(bound(20_000), TimeUnit.MILLISECONDS)).isTrue();
            }
        }
        @Test
        @Timeout(value = 60, unit = TimeUnit.SECONDS)
        @DisplayName("a forked Java child whose stdin is a FIFO with no writer yet holds up no other fork")
        void fifoRedirectOfAForkedChildBlocksOnlyItsCaller() throws Exception {
            Path fifo = dir.resolve("java-pipe");
            assertThat(tracked(new ProcessBuilder("mkfifo", fifo.toString()).start()).waitFor()).isZero();
            Forker safe = Forker.of(forker).warmUp();
            ChildTask exitSeven = () -> 7;
            ExecutorService threads = Executors.newFixedThreadPool(2);
            boolean done = false;
            try {
                // every Java child is forked by one thread of jfork's: the FIFO's open(2) must not run there
                Future<ForkedProcess> consumer = threads.submit(() -> tracked(safe.fork(exitSeven,
                    SHORT.withStdin(Redirect.from(fifo.toFile())))));
                Thread.sleep(200);
                Future<Integer> unrelated = threads.submit(() -> safe.call(() -> 41 + 1));
                assertThat(unrelated.get(bound(10_000), TimeUnit.MILLISECONDS))
                    .as("an unrelated call while a forked child's redirect waits in open(2)").isEqualTo(42);
                assertThat(consumer.isDone()).as("the FIFO's reader started before any writer").isFalse();
                Process writer = tracked(new ProcessBuilder("sh", "-c", "echo hi > '" + fifo + "'").start());
                ForkedProcess reader = consumer.get(bound(10_000), TimeUnit.MILLISECONDS);
                assertThat(reader.waitFor()).isEqualTo(7);
                // the reader may end before the echo writes (then SIGPIPE): only that it ends
                assertThat(writer.waitFor(bound(10_000), TimeUnit.MILLISECONDS)).isTrue();
                done = true;
            } finally {
                if (!done) {
                    tracked(new ProcessBuilder("timeout", "5", "sh", "-c", ": > '" + fifo + "'").start()).waitFor();
                }
                threads.shutdown();
                assertThat(threads.awaitTermination(bound(20_000), TimeUnit.MILLISECONDS)).isTrue();
            }
        }
    }
}
