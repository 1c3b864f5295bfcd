package dev.jfork.internal.child;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jfork.internal.vm.JdkFields;
import dev.jfork.spi.ProcessForker;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.lang.reflect.Field;
import java.lang.reflect.Proxy;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the reseeding of a child's generators, seen from the parent")
class ReseederTest {

    /** A backend whose open and read stand for /dev/urandom's (a pattern, no descriptor); nothing else. */
    private static ProcessForker entropyOnly(List<String> calls) {
        return (ProcessForker) Proxy.newProxyInstance(ReseederTest.class.getClassLoader(),
            new Class<?>[] {ProcessForker.class}, (proxy, method, args) -> {
                calls.add(method.getName());
                switch (method.getName()) {
                    case "open":
                        return 1000;
                    case "read":
                        byte[] buffer = (byte[]) args[1];
                        for (int i = 0; i < (int) args[2]; i++) {
                            buffer[i] = (byte) (i * 31 + 7);
                        }
                        return args[2];
                    case "name":
                        return "entropy-only";
                    default:
                        throw new UnsupportedOperationException(method.getName());
                }
            });
    }

    /** What the JDK's shared generators hold, as bytes: the fields a child writes, read in this process. */
    private static List<Object> snapshot() throws IOException, ReflectiveOperationException {
        List<Object> state = new ArrayList<>();
        ByteArrayOutputStream tlr = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(tlr)) {
            // the current thread's seed, as ThreadLocalRandom's serial form writes it
            out.writeObject(ThreadLocalRandom.current());
        }
        state.add(tlr.toByteArray());
        if (JdkFields.mode() == JdkFields.Mode.PARENT_AND_CHILD) {
            state.add(serialised(staticValue("java.lang.Math$RandomNumberGeneratorHolder", "randomNumberGenerator")));
            state.add(staticValue("java.util.concurrent.ThreadLocalRandom", "seeder").toString());
            state.add(staticValue("java.util.SplittableRandom", "defaultGen").toString());
            state.add(staticValue("java.util.Random", "seedUniquifier").toString());
            Object io = staticValue("sun.security.provider.NativePRNG", "INSTANCE");
            Class<?> ioClass = io.getClass();
            state.add(JdkFields.getObject(io, JdkFields.offset(ioClass.getDeclaredField("mixRandom"))));
            state.add(JdkFields.getInt(io, JdkFields.offset(ioClass.getDeclaredField("buffered"))));
        }
        return state;
    }

    private static Object staticValue(String type, String name) {
        try {
            Field field = Class.forName(type, false, null).getDeclaredField(name);
            return JdkFields.getObject(JdkFields.staticBase(field), JdkFields.staticOffset(field));
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    private static byte[] serialised(Object value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(value);
        }
        return bytes.toByteArray();
    }

    @Test
    @DisplayName("on this JDK every source of the acceptance list is reachable, and none is left out")
    void everySourceReachable() {
        assertThat(JdkFields.mode()).isNotEqualTo(JdkFields.Mode.NONE);
        assertThat(Reseeder.reseeded()).contains("SecureRandom NativePRNG (the default: new SecureRandom(), UUID)",
            "ThreadLocalRandom (the forking thread's seeds)", "ThreadLocalRandom (threads started in the child)",
            "Math.random()", "new SplittableRandom()", "new Random()", "UUID.randomUUID() when not NativePRNG");
        assertThat(Reseeder.notReseeded()).isEmpty();
    }

    @Test
    @DisplayName("preparing in the parent reads /dev/urandom and writes none of the generators' state; no reseeding runs")
    void parentUnchanged() throws IOException, ReflectiveOperationException {
        // every source used once, as in a running application
        new SecureRandom().nextBytes(new byte[8]);
        ThreadLocalRandom.current().nextLong();
        Math.random();
        new SplittableRandom().nextLong();
        UUID.randomUUID();
        List<Object> before = snapshot();
        List<String> calls = new ArrayList<>();
        Reseeder.prepareOnce(entropyOnly(calls));
        List<Object> after = snapshot();
        assertThat(after).hasSameSizeAs(before);
        for (int i = 0; i < before.size(); i++) {
            assertThat(after.get(i)).as("state %d", i).isEqualTo(before.get(i));
        }
        assertThat(Reseeder.reseededHere()).isFalse();
        assertThat(Reseeder.lastCostNanos()).isEqualTo(-1);
        // the descriptor is opened and read once (the warm-up), nothing else of the backend used
        assertThat(calls).containsOnly("open", "read");
        assertThat(Reseeder.notReseeded()).isEmpty();
    }
}
