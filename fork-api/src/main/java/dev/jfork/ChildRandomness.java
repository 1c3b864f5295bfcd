package dev.jfork;

import dev.jfork.internal.child.Reseeder;
import java.util.List;
import java.util.Map;

/**
 * What jfork does so that a forked Java child ({@link Forker#fork}, {@link Forker#call}, pool children,
 * {@link Forker#forkRaw}) does not draw the same random values as its siblings: a fork copies every
 * generator's state. In each such child, before its {@link ForkHooks#registerAfterInChild afterInChild}
 * hooks and its task, the JDK's shared generators get fresh state mixed from fresh kernel entropy (a read
 * of {@code /dev/urandom} on a descriptor the parent opened once): NativePRNG's shared state and buffer
 * (so every {@code SecureRandom} backed by it, existing or new), the calling thread's
 * {@code ThreadLocalRandom} seeds and its seeder, {@code Math.random()}'s and {@code StrictMath.random()}'s
 * generators, the default seed sources of {@code new SplittableRandom()}, {@code new Random()} and
 * {@code RandomGenerator.getDefault()}, and the JDK's own {@code SecureRandom} holders when they are not
 * NativePRNG ({@code setSeed}). Nothing of it runs in the parent, whose generators go on as if it had
 * never forked.
 *
 * <p>Generators of the application's own (a static {@code SplittableRandom}, a DRBG or SHA1PRNG instance
 * it made, {@code new Random(seed)}, which is deterministic on purpose) cannot be reached: reseed them in
 * an {@code afterInChild} hook.
 */
public final class ChildRandomness {
    private ChildRandomness() {
    }

    /**
     * The sources a Java child gives fresh state in this JVM, by name.
     *
     * @return the names, in the order a child reseeds them
     */
    public static List<String> reseeded() {
        return Reseeder.reseeded();
    }

    /**
     * The sources a Java child leaves as they were in this JVM (a field of the JDK that is missing or
     * of another type, {@code sun.misc.Unsafe} denied, no {@code /dev/urandom}), each with the reason;
     * logged once at WARNING when the first child is prepared. Empty on JDK 17 to 25 as shipped.
     *
     * @return source name to reason
     */
    public static Map<String, String> notReseeded() {
        return Reseeder.notReseeded();
    }

    /**
     * Whether jfork reseeded the generators of this process: true in a Java child jfork forked, false
     * in a process that never was one (a parent).
     *
     * @return whether this process is a reseeded child
     */
    public static boolean reseededInThisProcess() {
        return Reseeder.reseededHere();
    }
}
