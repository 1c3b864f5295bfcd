package dev.jfork.conformance;

import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.io.FileInputStream;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run in a fresh JVM: while the first fork runs jfork's warm-up, a thread opens, reads and closes a
 * file again and again. Prints {@link #KEPT} when none of its descriptors was closed under it, or
 * {@link #LOST} with the error.
 */
public final class WarmupFdProbe {
    static final String KEPT = "KEPT";
    static final String LOST = "LOST:";

    private WarmupFdProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicReference<IOException> lost = new AtomicReference<>();
        Thread opener = new Thread(() -> {
            byte[] buffer = new byte[64];
            while (!stop.get() && lost.get() == null) {
                try (FileInputStream in = new FileInputStream("/proc/self/stat")) {
                    for (int i = 0; i < 20; i++) {
                        in.getChannel().position(0);
                        in.read(buffer);
                    }
                } catch (IOException e) {
                    lost.set(e);
                }
            }
        }, "opener");
        opener.start();
        try {
            Forker.of(backend).fork(() -> 0).waitFor();
        } finally {
            stop.set(true);
            opener.join(10_000);
        }
        System.out.println(lost.get() == null ? KEPT : LOST + " " + lost.get());
    }
}
