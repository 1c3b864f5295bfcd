package dev.jfork.conformance;

import dev.jfork.ChildFailureException;
import dev.jfork.ForkOptions;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Run in a JVM started with {@code -XX:+UseShenandoahGC -Xmx256m}: a call whose child allocates 64 MB of
 * garbage (which fits in what the heap has free), then one whose child allocates 400 MB (which cannot),
 * each with a 20 s deadline; prints how each ended and after how long.
 */
public final class ShenandoahProbe {
    static final String FITS = "FITS ";
    static final String TOO_MUCH = "TOO-MUCH ";
    static final String RETURNED = "RETURNED";
    static final String DONE = "PROBE-DONE";
    private static volatile Object sink;

    private ShenandoahProbe() {
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        Forker forker = Forker.of(backend).warmUp();
        ForkOptions options = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));
        System.out.println(FITS + run(forker, options, garbage(64)));
        System.out.println(TOO_MUCH + run(forker, options, garbage(400)));
        System.out.println(DONE);
    }

    private static Callable<String> garbage(int megabytes) {
        return () -> {
            for (int k = 0; k < megabytes * 16; k++) {
                sink = new byte[64 * 1024];
            }
            return RETURNED;
        };
    }

    private static String run(Forker forker, ForkOptions options, Callable<String> task) {
        long start = System.nanoTime();
        String how;
        try {
            how = forker.call(task, options);
        } catch (ChildFailureException e) {
            how = e.getMessage();
        } catch (Exception e) {
            how = e.toString();
        }
        return (System.nanoTime() - start) / 1_000_000 + " ms: " + how;
    }
}
