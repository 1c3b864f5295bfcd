package dev.jfork.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.ChildRandomness;
import dev.jfork.ChildTask;
import dev.jfork.ForkHooks;
import dev.jfork.ForkOptions;
import dev.jfork.ForkPool;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.PoolOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A child's random generators are its own: 16 children of one parent ({@code call}, {@code fork} and pool
 * children) each draw a different value from every JDK source that a fork copies (a static
 * {@code SecureRandom}, {@code new SecureRandom()}, {@code ThreadLocalRandom}, {@code Math.random()},
 * {@code new SplittableRandom()}, {@code UUID.randomUUID()}, {@code new Random()}) after the parent used
 * it, {@code afterInChild} hooks already see fresh generators, and the parent's own sequences are the
 * same with and without forks in between. Part of the kit that every backend runs through
 * {@link ProcessForkerCompatibilityKit}.
 */
public abstract class ChildRandomnessKit extends ForkThreadKit {
    private static final int CHILDREN = 16;
    private static final String[] SOURCES = {"static SecureRandom (NativePRNG), 16 bytes", "new SecureRandom(), 16 bytes",
        "ThreadLocalRandom.current().nextLong()", "Math.random()", "new SplittableRandom().nextLong()",
        "UUID.randomUUID()", "new Random().nextLong()"};
    private static final SecureRandom STATIC_SECURE = new SecureRandom();
    private static final ForkOptions SHORT = ForkOptions.defaults().withDeadline(Duration.ofSeconds(30));
    /** Written by an afterInChild hook in a child; never in the parent. */
    private static volatile long drawnByHook;

    private Forker forks;

    @BeforeEach
    void useEverySourceInTheParent() {
        forks = Forker.of(forker);
        // as a running application has: every source used once before the children are forked
        draw();
    }

    /** One value from each source, in the order of {@link #SOURCES}. */
    static String[] draw() {
        byte[] a = new byte[16];
        STATIC_SECURE.nextBytes(a);
        byte[] b = new byte[16];
        new SecureRandom().nextBytes(b);
        return new String[] {hex(a), hex(b), Long.toString(ThreadLocalRandom.current().nextLong()),
            Double.toString(Math.random()), Long.toString(new SplittableRandom().nextLong()),
            UUID.randomUUID().toString(), Long.toString(new Random().nextLong())};
    }

    private static String hex(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte x : bytes) {
            s.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
        }
        return s.toString();
    }

    /** Asserts that every source gave a different value in each child. */
    private static void assertDistinct(List<String[]> children) {
        assertThat(children).hasSize(CHILDREN);
        for (int source = 0; source < SOURCES.length; source++) {
            Set<String> values = new HashSet<>();
            for (String[] child : children) {
                assertThat(child).hasSize(SOURCES.length);
                values.add(child[source]);
            }
            assertThat(values).as("distinct values of %s in %d children", SOURCES[source], CHILDREN)
                .hasSize(CHILDREN);
        }
    }

    /** The current thread's ThreadLocalRandom seed, as its serial form writes it ("rnd"). */
    private static byte[] threadLocalRandomState() throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(ThreadLocalRandom.current());
        }
        return bytes.toByteArray();
    }

    @Nested
    @DisplayName("a child's random generators are its own")
    class ChildRandomnessTests {
        @Test
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        @DisplayName("16 call children draw 16 different values from every JDK source")
        void callChildren() {
            Callable<String[]> task = ChildRandomnessKit::draw;
            List<String[]> children = new ArrayList<>();
            for (int i = 0; i < CHILDREN; i++) {
                children.add(forks.call(task, SHORT));
            }
            assertDistinct(children);
        }

        @Test
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        @DisplayName("16 forked children, two at a time within NativePRNG's 100 ms buffer, draw 16 different values"
            + " from every JDK source")
        void forkedChildren() throws Exception {
            ForkOptions piped = SHORT.withStdout(ForkOptions.Stdio.PIPE);
            ChildTask task = () -> {
                System.out.print(String.join(" ", draw()));
                return 0;
            };
            byte[] one = new byte[1];
            List<String[]> children = new ArrayList<>();
            for (int round = 0; round < CHILDREN / 2; round++) {
                // the parent's NativePRNG has just read /dev/urandom: unreseeded, both children would
                // XOR its copied buffer with its copied SHA1PRNG, and draw the same bytes
                STATIC_SECURE.nextBytes(one);
                ForkedProcess first = forks.fork(task, piped);
                tracked.process(first);
                ForkedProcess second = forks.fork(task, piped);
                tracked.process(second);
                for (ForkedProcess child : List.of(first, second)) {
                    String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(child.waitFor()).as("exit code of child %s", child.pid()).isZero();
                    children.add(out.split(" "));
                }
            }
            assertDistinct(children);
        }

        @Test
        @Timeout(value = 180, unit = TimeUnit.SECONDS)
        @DisplayName("16 pool children (one task each) draw 16 different values from every JDK source")
        void poolChildren() throws Exception {
            try (ForkPool<Integer, String[]> pool = forks.pool((Integer ignored) -> draw(),
                PoolOptions.defaults().withSize(4).withDeadline(Duration.ofSeconds(30)))) {
                assertThat(pool.awaitReady(Duration.ofMillis(RawSpiKit.bound(30_000)))).isTrue();
                List<String[]> children = new ArrayList<>();
                for (int i = 0; i < CHILDREN; i++) {
                    children.add(pool.submit(i));
                }
                assertDistinct(children);
            }
        }

        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("afterInChild hooks already see fresh generators")
        void hooksSeeFreshGenerators() {
            Runnable hook = () -> drawnByHook = ThreadLocalRandom.current().nextLong() ^ (long) (Math.random() * 1e18);
            tracked.hook(hook);
            ForkHooks.registerAfterInChild(hook);
            Callable<Long> task = () -> drawnByHook;
            Set<Long> values = new HashSet<>();
            for (int i = 0; i < 8; i++) {
                values.add(forks.call(task, SHORT));
            }
            assertThat(values).hasSize(8).doesNotContain(0L);
            assertThat(drawnByHook).as("the hook ran in the parent").isZero();
        }

        @Test
        @Timeout(value = 120, unit = TimeUnit.SECONDS)
        @DisplayName("the parent's sequences are the same with and without forks in between, and it reseeds nothing")
        void parentUnchanged() throws Exception {
            Callable<Boolean> reseeded = ChildRandomness::reseededInThisProcess;
            Random seeded = new Random(42);
            SplittableRandom split = new SplittableRandom(42);
            List<Long> withoutForks = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                withoutForks.add(seeded.nextLong() ^ split.nextLong());
            }
            seeded = new Random(42);
            split = new SplittableRandom(42);
            List<Long> withForks = new ArrayList<>();
            byte[] before = threadLocalRandomState();
            for (int i = 0; i < 4; i++) {
                assertThat(forks.call(reseeded, SHORT)).as("the child was reseeded").isTrue();
                withForks.add(seeded.nextLong() ^ split.nextLong());
            }
            // ThreadLocalRandom's next values depend on nothing but this seed: the forks moved it not
            assertThat(threadLocalRandomState()).as("this thread's ThreadLocalRandom seed").isEqualTo(before);
            assertThat(withForks).isEqualTo(withoutForks);
            assertThat(ChildRandomness.reseededInThisProcess()).as("reseeding ran in the parent").isFalse();
            assertThat(ChildRandomness.notReseeded()).as("sources this JDK's children cannot reseed").isEmpty();
        }
    }
}
