package dev.jfork.conformance;

import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Run in a JVM of its own with {@code -Dfork.maxChildren=2}: forks two children (one ends after
 * {@value #FIRST_MILLIS} ms, one sleeps), then a third, and prints how long the third waited and whether
 * the first had ended by then; then, with two alive again, an interrupted fork and an interrupted
 * {@code callAsync}. Ends every child it forked.
 */
public final class MaxChildrenProbe {
    static final long FIRST_MILLIS = 1500;
    static final String WAITED = "WAITED ";
    static final String INTERRUPTED = "INTERRUPTED ";

    private MaxChildrenProbe() {
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
        ForkOptions options = ForkOptions.defaults().withDeadline(Duration.ofSeconds(60));
        ForkedProcess first = forker.fork(() -> {
            Thread.sleep(FIRST_MILLIS);
            return 0;
        }, options);
        ForkedProcess second = forker.fork(() -> {
            Thread.sleep(60_000);
            return 0;
        }, options);
        long start = System.nanoTime();
        ForkedProcess third = forker.fork(() -> {
            Thread.sleep(60_000);
            return 0;
        }, options);
        long waited = (System.nanoTime() - start) / 1_000_000;
        System.out.println(WAITED + waited + " firstEnded=" + !first.isAlive() + " firstExit=" + first.waitFor());
        AtomicReference<String> outcome = new AtomicReference<>("returned");
        Thread blocked = new Thread(() -> {
            try {
                CompletableFuture<Integer> f = forker.callAsync(() -> 1, options);
                f.cancel(true);
            } catch (dev.jfork.ChildFailureException e) {
                // as an interrupted wait for a child: the type a caller of call and callAsync catches
                outcome.set("threw interrupted=" + Thread.currentThread().isInterrupted() + " " + e.getMessage());
            }
        });
        blocked.start();
        Thread.sleep(500);
        String stateBefore = blocked.getState().toString();
        blocked.interrupt();
        blocked.join(10_000);
        System.out.println(INTERRUPTED + "waiting=" + stateBefore + " " + outcome.get());
        second.destroyForcibly().waitFor();
        third.destroyForcibly().waitFor();
        System.out.flush();
    }
}
