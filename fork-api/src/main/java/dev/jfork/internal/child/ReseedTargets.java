package dev.jfork.internal.child;

import dev.jfork.internal.vm.JdkFields;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The JDK's shared generators that {@link Reseeder} gives a child fresh state, found by name in the
 * parent and checked (the field exists, is static or not as expected, and has the type the child's code
 * casts to); looking loads a class at most, never initialises one. Checked against JDK 17 and 25.
 */
final class ReseedTargets {
    /** What a target holds, and so what the child does with it: NativePRNG's RandomIO (two fields cleared). */
    static final int NATIVE_PRNG = 0;
    /** An AtomicLong seed source: {@code set}. */
    static final int ATOMIC_LONG = 1;
    /** An AtomicInteger: {@code set}. */
    static final int ATOMIC_INT = 2;
    /** A java.util.Random: {@code setSeed}. */
    static final int RANDOM = 3;
    /** A SecureRandom: {@code setSeed} unless NativePRNG. */
    static final int SECURE_RANDOM = 4;
    /** SHA1PRNG's seeder: its state mixed, its remainder dropped. */
    static final int SHA1_SEEDER = 5;
    /** A byte[]: mixed with fresh bytes. */
    static final int BYTES = 6;

    /** What the resolution found. */
    interface Sink {
        /**
         * @param source the source's name, as users know it
         * @param holder the static field holding the generator
         * @param kind what the generator is ({@code Reseeder}'s constants)
         * @param a the generator's first instance field the child writes, or null
         * @param b its second, or null
         */
        void reseeds(String source, Field holder, int kind, Field a, Field b);

        /**
         * @param seed {@code Thread.threadLocalRandomSeed}
         * @param secondary {@code Thread.threadLocalRandomSecondarySeed}
         */
        void thread(Field seed, Field secondary);

        /**
         * @param source the source's name
         * @param why what is missing
         */
        void cannot(String source, String why);
    }

    /** Objects of jfork's own for the warm-up of the child's path: fields of each kind it writes. */
    static final class Stand {
        Object object;
        int number;
        long wide;
    }

    /** {@code java.security.SecureRandom.secureRandomSpi}, whose monitor DRBG's setSeed takes; or null. */
    static final Field SPI = instanceField(SecureRandom.class, "secureRandomSpi",
        JdkFields.bootClass("java.security.SecureRandomSpi"));

    private ReseedTargets() {
    }

    static void resolve(Sink sink) {
        Class<?> io = JdkFields.bootClass("sun.security.provider.NativePRNG$RandomIO");
        Field mix = instanceField(io, "mixRandom", JdkFields.bootClass("sun.security.provider.SecureRandom"));
        Field buffered = instanceField(io, "buffered", int.class);
        String[][] prngs = {
            {"sun.security.provider.NativePRNG", "SecureRandom NativePRNG (the default: new SecureRandom(), UUID)"},
            {"sun.security.provider.NativePRNG$Blocking", "SecureRandom NativePRNGBlocking (getInstanceStrong)"},
            {"sun.security.provider.NativePRNG$NonBlocking", "SecureRandom NativePRNGNonBlocking"},
        };
        for (String[] prng : prngs) {
            Field instance = staticField(JdkFields.bootClass(prng[0]), "INSTANCE", io);
            if (instance == null || mix == null || buffered == null) {
                sink.cannot(prng[1], "no " + prng[0] + ".INSTANCE with mixRandom and buffered");
            } else {
                sink.reseeds(prng[1], instance, NATIVE_PRNG, mix, buffered);
            }
        }
        Class<?> thread = Thread.class;
        Field seed = instanceField(thread, "threadLocalRandomSeed", long.class);
        Field secondary = instanceField(thread, "threadLocalRandomSecondarySeed", int.class);
        if (seed == null || secondary == null) {
            sink.cannot("ThreadLocalRandom (the forking thread's seeds)", "no Thread.threadLocalRandomSeed");
        } else {
            sink.thread(seed, secondary);
        }
        atomic(sink, "java.util.concurrent.ThreadLocalRandom", "seeder", ATOMIC_LONG,
            "ThreadLocalRandom (threads started in the child)");
        atomic(sink, "java.util.concurrent.ThreadLocalRandom", "probeGenerator", ATOMIC_INT, "ThreadLocalRandom (probes)");
        atomic(sink, "java.util.SplittableRandom", "defaultGen", ATOMIC_LONG, "new SplittableRandom()");
        atomic(sink, "java.util.Random", "seedUniquifier", ATOMIC_LONG, "new Random()");
        Class<?> l32 = JdkFields.bootClass("jdk.internal.random.L32X64MixRandom");
        if (l32 == null) {
            try {
                l32 = Class.forName("jdk.random.L32X64MixRandom", false, ClassLoader.getPlatformClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                l32 = null;
            }
        }
        Field l32Gen = staticField(l32, "defaultGen", AtomicLong.class);
        if (l32Gen == null) {
            sink.cannot("RandomGenerator.getDefault()", "no L32X64MixRandom.defaultGen");
        } else {
            sink.reseeds("RandomGenerator.getDefault()", l32Gen, ATOMIC_LONG, null, null);
        }
        holder(sink, "java.lang.Math$RandomNumberGeneratorHolder", "randomNumberGenerator", Random.class, RANDOM,
            "Math.random()");
        holder(sink, "java.lang.StrictMath$RandomNumberGeneratorHolder", "randomNumberGenerator", Random.class, RANDOM,
            "StrictMath.random()");
        holder(sink, "java.util.UUID$Holder", "numberGenerator", SecureRandom.class, SECURE_RANDOM,
            "UUID.randomUUID() when not NativePRNG");
        holder(sink, "sun.security.jca.JCAUtil", "def", SecureRandom.class, SECURE_RANDOM,
            "the JDK's default SecureRandom (JCAUtil) when not NativePRNG");
        holder(sink, "sun.security.jca.JCAUtil$CachedSecureRandomHolder", "instance", SecureRandom.class, SECURE_RANDOM,
            "the JDK's cached SecureRandom (JCAUtil) when not NativePRNG");
        Class<?> sha1 = JdkFields.bootClass("sun.security.provider.SecureRandom");
        Field seeder = staticField(JdkFields.bootClass("sun.security.provider.SecureRandom$SeederHolder"), "seeder", sha1);
        Field state = instanceField(sha1, "state", byte[].class);
        Field remCount = instanceField(sha1, "remCount", int.class);
        if (seeder == null || state == null || remCount == null) {
            sink.cannot("SHA1PRNG instances not seeded by their user", "no SHA1PRNG SeederHolder.seeder");
        } else {
            sink.reseeds("SHA1PRNG instances not seeded by their user", seeder, SHA1_SEEDER, state, remCount);
        }
        // a new DRBG instance's entropy comes from a HashDrbg that a fork copies; its nonce from this block
        Field nonces = staticField(JdkFields.bootClass("sun.security.provider.AbstractDrbg$NonceProvider"), "block",
            byte[].class);
        if (nonces == null) {
            sink.cannot("DRBG instances made in the child", "no AbstractDrbg.NonceProvider.block");
        } else {
            sink.reseeds("DRBG instances made in the child (their nonce)", nonces, BYTES, null, null);
        }
    }

    private static void atomic(Sink sink, String type, String name, int kind, String source) {
        Field field = staticField(JdkFields.bootClass(type), name, kind == ATOMIC_LONG ? AtomicLong.class : AtomicInteger.class);
        if (field == null) {
            sink.cannot(source, "no " + type + "." + name);
        } else {
            sink.reseeds(source, field, kind, null, null);
        }
    }

    private static void holder(Sink sink, String type, String name, Class<?> expected, int kind, String source) {
        Field field = staticField(JdkFields.bootClass(type), name, expected);
        if (field == null || (kind == SECURE_RANDOM && SPI == null)) {
            sink.cannot(source, "no " + type + "." + name + (SPI == null ? " or SecureRandom.secureRandomSpi" : ""));
        } else {
            sink.reseeds(source, field, kind, kind == SECURE_RANDOM ? SPI : null, null);
        }
    }

    private static Field staticField(Class<?> type, String name, Class<?> expected) {
        Field field = type == null || expected == null ? null : JdkFields.declared(type, name);
        return field != null && Modifier.isStatic(field.getModifiers()) && field.getType() == expected ? field : null;
    }

    private static Field instanceField(Class<?> type, String name, Class<?> expected) {
        Field field = type == null || expected == null ? null : JdkFields.declared(type, name);
        return field != null && !Modifier.isStatic(field.getModifiers()) && field.getType() == expected ? field : null;
    }

    /** A SHA1PRNG of jfork's own, never drawn from, for the warm-up of {@code setSeed}; or null. */
    static SecureRandom standInSecureRandom() {
        try {
            return SecureRandom.getInstance("SHA1PRNG");
        } catch (NoSuchAlgorithmException e) {
            return null;
        }
    }

    /** The warning for what a child cannot reseed: each reason once, with its sources, and what to do. */
    static String warning(Map<String, String> notReseeded) {
        Map<String, List<String>> byReason = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : notReseeded.entrySet()) {
            byReason.computeIfAbsent(e.getValue(), k -> new ArrayList<>()).add(e.getKey());
        }
        StringBuilder message = new StringBuilder("jfork: in forked Java children these random sources keep the state"
            + " they had at the fork, so siblings draw the same values:");
        for (Map.Entry<String, List<String>> e : byReason.entrySet()) {
            message.append(' ').append(e.getValue()).append(" (").append(e.getKey()).append(");");
        }
        return message.append(" reseed the ones you use in a ForkHooks.registerAfterInChild hook (see"
            + " dev.jfork.ChildRandomness)").toString();
    }
}
