package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The multi-thread warning: never for a pool's own forks; otherwise naming the threads and what to do. */
@Timeout(30)
class ThreadCheckTest {
    private final CountDownLatch stop = new CountDownLatch(1);
    private Thread worker;
    private String previous;

    @BeforeEach
    void startAnApplicationThread() throws InterruptedException {
        previous = System.clearProperty(ThreadCheck.PROPERTY);
        CountDownLatch started = new CountDownLatch(1);
        worker = new Thread(() -> {
            started.countDown();
            try {
                stop.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "busy-worker");
        worker.start();
        started.await();
        ThreadCheck.rearm();
    }

    @AfterEach
    void stopIt() throws InterruptedException {
        stop.countDown();
        worker.join(10_000);
        if (previous != null) {
            System.setProperty(ThreadCheck.PROPERTY, previous);
        }
        ThreadCheck.rearm();
    }

    @Test
    void noWarningForAPoolsOwnFork() {
        String warning = ThreadCheck.whilePoolForks(ThreadCheck::warningOnce);
        assertThat(warning).as("a pool's fork, chosen by the pool while its submitters wait").isNull();
        assertThat(ThreadCheck.warningOnce()).as("the next fork of the user's still warns").isNotNull();
    }

    @Test
    void noWarningForAForkAskedByAPoolsThread() throws Exception {
        String[] warning = {"not run"};
        Thread filler = new Thread(() -> warning[0] = ThreadCheck.warningOnce(), VmQuiescence.POOL_THREAD_PREFIX + "99");
        filler.start();
        filler.join(10_000);
        assertThat(warning[0]).as("a fork (or warm-up) a pool's own thread asked for").isNull();
    }

    @Test
    void otherForksWarnOnceNamingTheThreadsAndWhatToDo() {
        String warning = ThreadCheck.warningOnce();
        assertThat(ThreadCheck.warningOnce()).as("once").isNull();
        assertThat(warning).contains("busy-worker").contains("'" + Thread.currentThread().getName() + "'")
            .contains("What to do").contains("-D" + ThreadCheck.PROPERTY + "=false");
    }
}
