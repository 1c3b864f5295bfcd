package dev.jfork.internal.child;

import dev.jfork.internal.vm.JdkFields;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.ProcessForker;
import java.lang.reflect.Field;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Gives a Java child's copies of the JDK's shared random generators fresh state, mixed from fresh kernel
 * entropy (a read of {@code /dev/urandom}, on a descriptor the parent opened once), before its
 * {@code afterInChild} hooks and its task: a fork copies their state, and every child would otherwise
 * draw what its siblings draw. The parent only looks ({@link #prepareOnce}): it resolves the fields,
 * checks their types, opens the descriptor and warms the child's code up on objects of its own; it
 * writes none of the JDK's state. Where a source cannot be reached it is left as it was, and the reason
 * is logged once ({@link #notReseeded()}).
 */
public final class Reseeder {
    /** Bytes of kernel entropy a child reads: 8 longs, then 2 seeds of 32 bytes. */
    private static final int ENTROPY = 128;
    private static final byte[] FRESH = new byte[ENTROPY];
    private static final byte[] SEED_A = new byte[32];

    private static final int NATIVE_PRNG = ReseedTargets.NATIVE_PRNG;
    private static final int ATOMIC_LONG = ReseedTargets.ATOMIC_LONG;
    private static final int ATOMIC_INT = ReseedTargets.ATOMIC_INT;
    private static final int RANDOM = ReseedTargets.RANDOM;
    private static final int SECURE_RANDOM = ReseedTargets.SECURE_RANDOM;
    private static final int SHA1_SEEDER = ReseedTargets.SHA1_SEEDER;
    private static final int BYTES = ReseedTargets.BYTES;

    private static final Object LOCK = new Object();
    /** Locked by the child only, to check how a held monitor shows in an object's header. */
    private static final Object LOCK_PROBE = new Object();
    private static volatile boolean resolved;
    private static ReseedRef[] refs = new ReseedRef[0];
    private static Field threadSeed;
    private static Field threadSecondary;
    private static long threadSeedOffset;
    private static long threadSecondaryOffset;
    private static boolean offsetsInChild;
    private static final List<String> RESEEDED = new ArrayList<>();
    private static final Map<String, String> NOT_RESEEDED = new LinkedHashMap<>();
    private static volatile int urandomFd = -1;
    private static volatile boolean logged;
    /** Set in a child only, by {@link #inChild}. */
    private static volatile boolean reseededHere;
    private static volatile long lastCostNanos = -1;

    private Reseeder() {
    }

    /**
     * In the parent, before a fork: resolves what the child reseeds (once per JVM), opens the entropy
     * descriptor, warms the child's path up, and logs once what cannot be reseeded. Writes nothing of
     * the JDK's state.
     *
     * @param backend the backend that opens {@code /dev/urandom}
     */
    public static void prepareOnce(ProcessForker backend) {
        resolveOnce();
        if (urandomFd >= 0 || logged) {
            return;
        }
        synchronized (LOCK) {
            if (urandomFd < 0 && !logged) {
                try {
                    if (refs.length == 0 && threadSeed == null) {
                        throw new IllegalStateException("nothing to reseed");
                    }
                    // not one of OwnedFds': every Java child keeps it, and exec closes it (O_CLOEXEC)
                    int fd = backend.open("/dev/urandom", OpenFlags.O_RDONLY | OpenFlags.O_CLOEXEC, 0);
                    readFresh(backend, fd);
                    warmUp();
                    urandomFd = fd;
                } catch (RuntimeException | LinkageError e) {
                    if (!RESEEDED.isEmpty()) {
                        String why = "no kernel entropy: /dev/urandom cannot be read through backend '" + backend.name()
                            + "': " + e;
                        for (String source : RESEEDED) {
                            NOT_RESEEDED.put(source, why);
                        }
                        RESEEDED.clear();
                    }
                }
                logged = true;
                if (!NOT_RESEEDED.isEmpty()) {
                    System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, ReseedTargets.warning(NOT_RESEEDED));
                }
            }
        }
    }

    /** @return the sources a Java child gives fresh state, by name */
    public static List<String> reseeded() {
        resolveOnce();
        synchronized (LOCK) {
            return Collections.unmodifiableList(new ArrayList<>(RESEEDED));
        }
    }

    /** @return the sources a Java child leaves as they were, each with why */
    public static Map<String, String> notReseeded() {
        resolveOnce();
        synchronized (LOCK) {
            return Collections.unmodifiableMap(new LinkedHashMap<>(NOT_RESEEDED));
        }
    }

    /** @return whether this process is a child whose generators jfork reseeded */
    public static boolean reseededHere() {
        return reseededHere;
    }

    /** @return nanoseconds the last reseeding in this process took, or -1 */
    public static long lastCostNanos() {
        return lastCostNanos;
    }

    /**
     * In a Java child, on its only thread, before its hooks: the reseeding. Throws nothing; a source
     * that fails is left as it was.
     *
     * @param backend the child's backend
     */
    static void inChild(ProcessForker backend) {
        int fd = urandomFd;
        if (fd < 0) {
            return;
        }
        long start = System.nanoTime();
        try {
            readFresh(backend, fd);
            JdkFields.beginQuiet();
            try {
                if (offsetsInChild) {
                    resolveOffsets();
                }
                apply(refs, Thread.currentThread(), threadSeedOffset, threadSecondaryOffset);
            } finally {
                JdkFields.endQuiet();
            }
            reseededHere = true;
        } catch (Throwable t) {
            // nothing to report it to: the parent logged what it could not check
        }
        lastCostNanos = System.nanoTime() - start;
    }

    /** The child's work, on the refs and thread given: the JDK's in a child, objects of ours in the warm-up. */
    private static void apply(ReseedRef[] targets, Object thread, long seedOffset, long secondaryOffset) {
        if (thread != null && seedOffset >= 0) {
            JdkFields.putLong(thread, seedOffset, fresh(0));
            int secondary = (int) fresh(1);
            JdkFields.putInt(thread, secondaryOffset, secondary == 0 ? 1 : secondary);
        }
        System.arraycopy(FRESH, 64, SEED_A, 0, 32);
        for (int i = 0; i < targets.length; i++) {
            ReseedRef ref = targets[i];
            Object value = JdkFields.getObject(ref.base, ref.offset);
            if (value == null) {
                continue;
            }
            long mixed = fresh(2 + (i % 6)) ^ (0x9e3779b97f4a7c15L * (i + 1));
            switch (ref.kind) {
                case NATIVE_PRNG:
                    // its SHA1PRNG is made again from /dev/urandom, and its buffer of urandom bytes refilled
                    JdkFields.putObject(value, ref.offsetA, null);
                    JdkFields.putInt(value, ref.offsetB, 0);
                    break;
                case ATOMIC_LONG:
                    ((AtomicLong) value).set(mixed);
                    break;
                case ATOMIC_INT:
                    ((AtomicInteger) value).set((int) mixed);
                    break;
                case RANDOM:
                    ((Random) value).setSeed(mixed);
                    break;
                case SECURE_RANDOM:
                    // NativePRNG's own state is its RandomIO's; setSeed would write to /dev/random. DRBG's and
                    // SHA1PRNG's setSeed lock them: not if a thread of the parent held one at the fork
                    if (!((SecureRandom) value).getAlgorithm().startsWith("NativePRNG") && unlocked(value)
                        && unlocked(JdkFields.getObject(value, ref.offsetA))) {
                        ((SecureRandom) value).setSeed(SEED_A);
                    }
                    break;
                case BYTES:
                    // DRBG's nonce block: every new DRBG instance's nonce follows from it
                    mix((byte[]) value, 64);
                    break;
                default:
                    // SHA1PRNG's seeder of unseeded instances: its state mixed with fresh bytes
                    Object state = JdkFields.getObject(value, ref.offsetA);
                    if (state instanceof byte[]) {
                        mix((byte[]) state, 96);
                        JdkFields.putInt(value, ref.offsetB, 0);
                    }
                    break;
            }
        }
    }

    /**
     * Whether no thread holds {@code o}'s monitor, from its header's lock bits (001: unlocked, not
     * biased), once a lock of this thread's own showed that they say so here; false when unsure.
     */
    private static boolean unlocked(Object o) {
        if (o == null) {
            return false;
        }
        boolean free = (JdkFields.getLong(LOCK_PROBE, 0L) & 7) == 1;
        synchronized (LOCK_PROBE) {
            free &= (JdkFields.getLong(LOCK_PROBE, 0L) & 7) != 1;
        }
        return free && (JdkFields.getLong(o, 0L) & 7) == 1;
    }

    private static void mix(byte[] bytes, int from) {
        for (int b = 0; b < bytes.length && b < 32; b++) {
            bytes[b] ^= FRESH[from + b];
        }
    }

    private static long fresh(int index) {
        long v = 0;
        for (int i = 0; i < 8; i++) {
            v = (v << 8) | (FRESH[index * 8 + i] & 0xffL);
        }
        return v;
    }

    private static void readFresh(ProcessForker backend, int fd) {
        // /dev/urandom answers reads of this size whole; the loop is for a signal in between
        int got = 0;
        while (got < ENTROPY) {
            int n;
            if (got == 0) {
                n = backend.read(fd, FRESH, ENTROPY);
            } else {
                byte[] rest = new byte[ENTROPY - got];
                n = backend.read(fd, rest, rest.length);
                System.arraycopy(rest, 0, FRESH, got, Math.max(n, 0));
            }
            if (n <= 0) {
                throw new IllegalStateException("jfork: /dev/urandom gave " + n);
            }
            got += n;
        }
    }

    private static void resolveOnce() {
        if (resolved) {
            return;
        }
        synchronized (LOCK) {
            if (!resolved) {
                ReseedTargets.resolve(new ReseedTargets.Sink() {
                    @Override
                    public void reseeds(String source, Field holder, int kind, Field a, Field b) {
                        add(source, holder, kind, a, b);
                    }

                    @Override
                    public void thread(Field seed, Field secondary) {
                        threadSeed = seed;
                        threadSecondary = secondary;
                        RESEEDED.add("ThreadLocalRandom (the forking thread's seeds)");
                    }

                    @Override
                    public void cannot(String source, String why) {
                        NOT_RESEEDED.put(source, why);
                    }
                });
                finishResolution();
                resolved = true;
            }
        }
    }

    private static void add(String source, Field holder, int kind, Field a, Field b) {
        ReseedRef[] grown = java.util.Arrays.copyOf(refs, refs.length + 1);
        grown[refs.length] = new ReseedRef(source, holder, kind, a, b);
        refs = grown;
        RESEEDED.add(source);
    }

    private static void finishResolution() {
        JdkFields.Mode mode = JdkFields.mode();
        if (mode == JdkFields.Mode.NONE) {
            for (ReseedRef ref : refs) {
                NOT_RESEEDED.put(ref.source, JdkFields.why());
            }
            if (threadSeed != null) {
                NOT_RESEEDED.put("ThreadLocalRandom (the forking thread's seeds)", JdkFields.why());
            }
            RESEEDED.clear();
            refs = new ReseedRef[0];
            threadSeed = null;
            threadSeedOffset = -1;
            return;
        }
        offsetsInChild = mode == JdkFields.Mode.CHILD_ONLY;
        threadSeedOffset = threadSeed == null ? -1 : 0;
        if (!offsetsInChild) {
            resolveOffsets();
        }
    }

    /** Offsets and bases: in the parent, or in the child when Unsafe would warn in the parent. */
    private static void resolveOffsets() {
        for (int i = 0; i < refs.length; i++) {
            ReseedRef ref = refs[i];
            ref.base = JdkFields.staticBase(ref.field);
            ref.offset = JdkFields.staticOffset(ref.field);
            ref.offsetA = ref.fieldA == null ? -1 : JdkFields.offset(ref.fieldA);
            ref.offsetB = ref.fieldB == null ? -1 : JdkFields.offset(ref.fieldB);
        }
        if (threadSeed != null) {
            threadSeedOffset = JdkFields.offset(threadSeed);
            threadSecondaryOffset = JdkFields.offset(threadSecondary);
        }
    }

    /** The child's path run in the parent on objects of its own, with every kind of ref. */
    private static void warmUp() {
        if (offsetsInChild || JdkFields.mode() == JdkFields.Mode.NONE) {
            return;
        }
        ReseedTargets.Stand stand = new ReseedTargets.Stand();
        Field objectField = JdkFields.declared(ReseedTargets.Stand.class, "object");
        Field intField = JdkFields.declared(ReseedTargets.Stand.class, "number");
        Field longField = JdkFields.declared(ReseedTargets.Stand.class, "wide");
        long objectOffset = JdkFields.offset(objectField);
        long intOffset = JdkFields.offset(intField);
        long longOffset = JdkFields.offset(longField);
        Object[] values = {new ReseedTargets.Stand(), new AtomicLong(), new AtomicInteger(), new Random(0),
            ReseedTargets.standInSecureRandom(), new ReseedTargets.Stand(), new byte[16]};
        ReseedRef[] warm = new ReseedRef[values.length];
        ReseedTargets.Stand[] holders = new ReseedTargets.Stand[values.length];
        for (int kind = 0; kind < values.length; kind++) {
            // the kinds in order: NATIVE_PRNG, ATOMIC_LONG, ATOMIC_INT, RANDOM, SECURE_RANDOM, SHA1_SEEDER, BYTES
            holders[kind] = new ReseedTargets.Stand();
            holders[kind].object = values[kind];
            ReseedRef ref = new ReseedRef("warm-up", objectField, kind, objectField, intField);
            ref.base = holders[kind];
            ref.offset = objectOffset;
            ref.offsetA = kind == SECURE_RANDOM ? JdkFields.offset(ReseedTargets.SPI) : objectOffset;
            ref.offsetB = intOffset;
            warm[kind] = ref;
        }
        for (int round = 0; round < 3; round++) {
            ((ReseedTargets.Stand) values[SHA1_SEEDER]).object = new byte[20];
            apply(warm, stand, longOffset, intOffset);
            fresh(0);
        }
        Thread.currentThread();
        System.nanoTime();
    }
}
