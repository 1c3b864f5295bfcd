package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("HotSpot's named mutexes, looked at in each child")
class VmMutexesTest {
    static volatile Object sink;

    @Test
    @DisplayName("are found in libjvm.so (some 100 of them), and one held by a thread that allocates is seen")
    @Timeout(60)
    void foundAndSeenHeld() throws Exception {
        VmMutexes mutexes = VmMutexes.locate();
        assertThat(mutexes.describe()).matches("\\d{2,3} VM mutexes \\((Mutex::)?_mutex_array\\)");
        // threads that allocate take the heap's lock for each new TLAB region (2% of the time, measured)
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> allocating = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Thread t = new Thread(() -> {
                long n = 0;
                while (!stop.get()) {
                    sink = new byte[1000 + (int) (n++ % 50_000)];
                }
            });
            t.setDaemon(true);
            t.start();
            allocating.add(t);
        }
        int looks = 0;
        boolean seen = false;
        try {
            long until = System.nanoTime() + 30_000_000_000L;
            while (!seen && System.nanoTime() < until) {
                looks++;
                seen = mutexes.anyHeld();
            }
        } finally {
            stop.set(true);
            for (Thread t : allocating) {
                t.join(5000);
            }
        }
        assertThat(seen).as("a mutex held, in %d looks", looks).isTrue();
        // and with those threads gone, nearly every look finds them all free; the looks are spread over half a
        // second, since one VM thread can hold one of them for milliseconds (50 looks in a row all found one
        // held, once in 10 runs)
        int free = 0;
        for (int i = 0; i < 50; i++) {
            free += mutexes.anyHeld() ? 0 : 1;
            Thread.sleep(10);
        }
        assertThat(free).isGreaterThanOrEqualTo(25);
    }
}
