package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.ChildEnd;
import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.io.Serializable;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * Everyday Java in a child: ordinary code finishes, a class first used in the child loads, and a child
 * loading classes leaves the parent's file offsets alone. (A child that cannot finish is
 * {@link CannotFinishKit}'s.) Part of the kit that every backend runs through
 * {@link ProcessForkerCompatibilityKit}.
 */
public abstract class EverydayJavaKit extends ForkRawKit {
    /** Far beyond the 1 s in which a deadlock must be known: a deadline hang would show. */
    private static final ForkOptions LONG = ForkOptions.defaults().withDeadline(Duration.ofSeconds(30));

    private Forker calls;

    @BeforeEach
    void createCaller() {
        calls = Forker.of(forker);
    }

    /** A result type declared beside the task, used for the first time in the child. */
    record Point(int x, int y) implements Serializable {
    }

    @Nested
    @DisplayName("everyday code in a child")
    class Everyday {
        @Test
        @DisplayName("String.format, streams, a map, BigInteger and java.time finish")
        void ordinaryWork() {
            String out = calls.call(() -> {
                Map<String, Integer> counts = new TreeMap<>();
                for (String w : "the quick brown fox jumps over the lazy dog the end".split(" ")) {
                    counts.merge(w, 1, Integer::sum);
                }
                String joined = IntStream.range(0, 5).boxed().sorted((a, b) -> b - a).map(String::valueOf)
                    .collect(Collectors.joining(","));
                return String.format("%s %05.1f %s %s %s", counts.get("the"), 3.14159, joined,
                    BigInteger.TWO.pow(100), LocalDate.of(2026, 11, 29).plusDays(3));
            }, LONG);
            assertThat(out).isEqualTo("3 003.1 4,3,2,1,0 1267650600228229401496703205376 2026-12-02");
        }

        @Test
        @DisplayName("100 calls from 4 threads at once each return their own result")
        void concurrentCalls() throws Exception {
            java.util.concurrent.ExecutorService threads = java.util.concurrent.Executors.newFixedThreadPool(4);
            try {
                java.util.List<java.util.concurrent.Future<Integer>> sums = new java.util.ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int base = t * 1000;
                    sums.add(threads.submit(() -> {
                        int sum = 0;
                        for (int i = 0; i < 25; i++) {
                            int n = base + i;
                            sum += calls.call(() -> n * 2, LONG) - n;
                        }
                        return sum;
                    }));
                }
                for (int t = 0; t < 4; t++) {
                    // each call returned 2n for its own n: the sum of n over the thread's 25 calls
                    assertThat(sums.get(t).get(120, TimeUnit.SECONDS)).isEqualTo(25 * t * 1000 + 300);
                }
            } finally {
                threads.shutdownNow();
                assertThat(threads.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
            }
        }

        @Test
        @DisplayName("a record declared beside the task comes back as the result")
        void recordResult() {
            assertThat(calls.call(() -> new Point(3, 4), LONG)).isEqualTo(new Point(3, 4));
        }

        @Test
        @DisplayName("warmUp pays the first fork's price without forking; calls after it work")
        void warmUpThenCall() {
            assertThat(calls.warmUp()).isSameAs(calls);
            assertThat(calls.call(() -> "after warm-up", LONG)).isEqualTo("after warm-up");
        }

        @Test
        @DisplayName("a timed sleep is not a deadlock: the child finishes normally")
        void timedSleepFinishes() {
            assertThat(calls.call(() -> {
                Thread.sleep(1500);
                return "slept";
            }, LONG)).isEqualTo("slept");
        }

        @Test
        @DisplayName("a blocking pipe read is not a deadlock: the child finishes when the data comes")
        void pipeReadFinishes() throws Exception {
            int[] pipe = forker.pipe();
            ForkedProcess child;
            try {
                child = calls.fork(() -> {
                    byte[] one = new byte[1];
                    return forker.read(pipe[0], one, 1) == 1 && one[0] == 'k' ? 0 : 1;
                }, LONG);
                Thread.sleep(1500);
                forker.write(pipe[1], new byte[] {'k'}, 1);
            } finally {
                forker.close(pipe[1]);
                forker.close(pipe[0]);
            }
            assertThat(child.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(child.end()).get().extracting(ChildEnd::kind).isEqualTo(ChildEnd.Kind.EXITED);
            assertThat(child.exitValue()).isZero();
        }
    }

    @Nested
    @DisplayName("a class first used in a child, named only by the task's bytecode")
    class FirstUse {
        @Test
        @DisplayName("a subclass the parent's compiled code did not expect: the child finishes")
        void newSubclass() throws Exception {
            FirstUseTypes.warm();
            long start = System.nanoTime();
            // FirstUseTile is not in the task's nest: only this lambda's bytecode names it
            assertThat(calls.call(() -> new FirstUseTile(3).area(), LONG)).isEqualTo(9);
            assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(20_000);
        }

        @Test
        @DisplayName("a method reference to an interface the parent implemented once: the child finishes")
        void methodReferenceToUserInterface() throws Exception {
            FirstUseTypes.warm();
            // the child spins this method reference's class, a second implementation of FirstUseOp
            assertThat(calls.call(() -> {
                FirstUseOp abs = Math::abs;
                return FirstUseOp.applyTo(abs, -21);
            }, LONG)).isEqualTo(21);
        }

        @Test
        @DisplayName("a JDK class the parent had not loaded (Adler32 beside a compiled CRC32): the child finishes")
        void jdkClassNotLoadedInParent() {
            long sum = 0;
            for (int i = 0; i < 300_000; i++) {
                sum += checksum(new java.util.zip.CRC32(), i);
            }
            assertThat(sum).isPositive();
            assertThat(calls.call(() -> {
                java.util.zip.Adler32 adler = new java.util.zip.Adler32();
                adler.update(new byte[] {1, 2, 3});
                return adler.getValue();
            }, LONG)).isEqualTo(0x000d0007L);
        }

        @Test
        @DisplayName("a method reference in a stream, and Base64: the child finishes")
        void methodReferenceInStreamAndBase64() {
            assertThat(calls.call(() -> java.util.List.of("pear", "fig", "apple").stream().sorted()
                .map(String::toUpperCase).collect(Collectors.joining(",")) + " "
                + java.util.Base64.getEncoder().encodeToString(new byte[] {1, 2, 3}), LONG))
                .isEqualTo("APPLE,FIG,PEAR AQID");
        }

        private long checksum(java.util.zip.Checksum checksum, int i) {
            checksum.update(i);
            return checksum.getValue();
        }
    }

    @Nested
    @DisplayName("a child loading classes does not disturb the parent's")
    class OwnOffsets {
        @Test
        @DisplayName("a child reading a jar the parent has open leaves the parent's file offset where it was")
        void jarOffsetNotShared(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
            java.nio.file.Path zip = dir.resolve("offsets.zip");
            try (java.util.zip.ZipOutputStream out = new java.util.zip.ZipOutputStream(java.nio.file.Files.newOutputStream(zip))) {
                out.putNextEntry(new java.util.zip.ZipEntry("a.txt"));
                // incompressible: the file is larger than what the child reads
                byte[] noise = new byte[64 * 1024];
                new java.util.Random(42).nextBytes(noise);
                out.write(noise);
                out.closeEntry();
            }
            java.util.Set<Integer> before = fdsOf(zip);
            try (java.util.zip.ZipFile open = new java.util.zip.ZipFile(zip.toFile())) {
                java.util.Set<Integer> mine = fdsOf(zip);
                mine.removeAll(before);
                assertThat(mine).as("the descriptor of the zip the JDK opened").hasSize(1);
                int fd = mine.iterator().next();
                long parentBefore = offset(fd);
                ProcessForker backend = forker;
                // as the JDK does when a child loads a class from a jar: seek, then read
                long childAfter = calls.call(() -> {
                    backend.read(fd, new byte[1000], 1000);
                    return offset(fd);
                }, LONG);
                assertThat(offset(fd)).as("the parent's offset after the child read").isEqualTo(parentBefore);
                // its own description, from the start: the shared one stood where the parent left it
                assertThat(childAfter).as("the child's own offset").isEqualTo(1000L);
                assertThat(open.getEntry("a.txt")).isNotNull();
            }
        }

        private java.util.Set<Integer> fdsOf(java.nio.file.Path file) throws java.io.IOException {
            java.util.Set<Integer> fds = new java.util.TreeSet<>();
            try (java.nio.file.DirectoryStream<java.nio.file.Path> links =
                     java.nio.file.Files.newDirectoryStream(java.nio.file.Path.of("/proc/self/fd"))) {
                for (java.nio.file.Path link : links) {
                    try {
                        if (java.nio.file.Files.readSymbolicLink(link).equals(file.toRealPath())) {
                            fds.add(Integer.parseInt(link.getFileName().toString()));
                        }
                    } catch (java.io.IOException gone) {
                        // closed meanwhile
                    }
                }
            }
            return fds;
        }
    }

    /** The file offset of {@code fd} in this process, from {@code /proc/self/fdinfo}. */
    static long offset(int fd) throws java.io.IOException {
        String first = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/fdinfo/" + fd)).get(0);
        return Long.parseLong(first.substring(first.indexOf(':') + 1).strip());
    }
}
