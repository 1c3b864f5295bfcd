package dev.jfork.conformance;

import dev.jfork.ChildRuntimeReport;
import dev.jfork.ForkOptions;
import dev.jfork.Forker;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * Run in a JVM of its own with {@code -Dfork.childRuntime=vm} (and a collector chosen by the kit): prints
 * the {@link ChildRuntimeReport}, then runs in {@code call} children the tasks that need the VM thread
 * ({@code System.gc()}, 1 GB of short-lived garbage, 4 MB arrays that need collections, a class first loaded
 * in the child that invalidates compiled code), two that really deadlock (a park; a monitor a thread of the
 * parent held at the fork), {@code System.gc()} while a
 * thread of the parent runs Java at every fork, and {@code System.gc()} with the option off; one line per
 * task, {@value #RESULT} or {@value #FAILED}.
 */
public final class ChildRuntimeProbe {
    static final String REPORT = "REPORT ";
    static final String AVAILABLE = "AVAILABLE ";
    static final String REASON = "REASON ";
    static final String RESULT = "RESULT ";
    static final String FAILED = "FAILED ";
    static final String DONE = "PROBE-DONE";
    static final String RESTARTS = "RESTARTS-BUSY ";
    static volatile long spins;
    /** What {@link #area} returns summed {@value #AREAS} times, for the shape loaded in the child. */
    static final int AREAS = 1000;
    static final int LATE_AREA = 3;

    /** A class hierarchy with one concrete subclass in the parent: compiled code inlines {@link #area}. */
    abstract static class Shape {
        abstract int area();
    }

    static final class Square extends Shape {
        @Override
        int area() {
            return 4;
        }
    }

    /** Set by {@link ChildRuntimeLateShape}'s initialiser, in the child. */
    static volatile Shape late;

    private ChildRuntimeProbe() {
    }

    static int sum(Shape shape, int n) {
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += shape.area();
        }
        return total;
    }

    /**
     * Entry point.
     *
     * @param args the backend's class name
     * @throws Exception if the backend cannot be made
     */
    public static void main(String[] args) throws Exception {
        ProcessForker backend = (ProcessForker) Class.forName(args[0]).getDeclaredConstructor().newInstance();
        Forker forker = Forker.of(backend);
        ChildRuntimeReport report = ChildRuntimeReport.of(forker);
        System.out.println(REPORT + report);
        System.out.println(AVAILABLE + report.vmThreadInChild());
        System.out.println(REASON + report.reason());
        // the parent collects, so the heap the child inherits has been collected and verified before
        for (int i = 0; i < 8; i++) {
            System.gc();
        }
        long warm = 0;
        Shape square = new Square();
        for (int i = 0; i < 20_000; i++) {
            warm += sum(square, AREAS);
        }
        Thread.sleep(300); // the compilation of sum, inlining Square.area, lands
        // a name no class file refers to, so that nothing loads the class before the child does
        String lateName = ChildRuntimeProbe.class.getPackageName() + ".ChildRuntime" + "LateShape";
        ClassLoader loader = ChildRuntimeProbe.class.getClassLoader();
        Map<String, Callable<String>> tasks = new LinkedHashMap<>();
        tasks.put("gc", () -> {
            System.gc();
            return "collected";
        });
        tasks.put("churn", () -> {
            long bytes = 0;
            for (int i = 0; i < 1024; i++) {
                byte[] garbage = new byte[1 << 20];
                garbage[i % garbage.length] = 1;
                bytes += garbage.length;
            }
            return Long.toString(bytes);
        });
        tasks.put("array", () -> {
            long sum = 0;
            for (int round = 0; round < 64; round++) {
                byte[] array = new byte[4 << 20];
                for (int i = 0; i < array.length; i += 4096) {
                    array[i] = (byte) round;
                }
                sum = 0;
                for (int i = 0; i < array.length; i += 4096) {
                    sum += array[i];
                }
            }
            return Long.toString(sum);
        });
        tasks.put("deopt", () -> {
            Class.forName(lateName, true, loader);
            return Integer.toString(sum(late, AREAS));
        });
        // a thread started in the child runs on a dead thread's stack (glibc's cache): the collection it
        // asks for must not walk the dead thread's frames it overwrote
        tasks.put("thread-gc", () -> {
            long[] churned = new long[1];
            Thread worker = new Thread(() -> {
                for (int i = 0; i < 256; i++) {
                    churned[0] += new byte[1 << 20].length;
                }
                System.gc();
            });
            worker.start();
            worker.join();
            return Long.toString(churned[0]);
        });
        tasks.put("deadlock", () -> {
            LockSupport.park();
            return "unparked";
        });
        ForkOptions options = ForkOptions.defaults().withDeadline(Duration.ofSeconds(30));
        for (Map.Entry<String, Callable<String>> task : tasks.entrySet()) {
            run(forker, task.getKey(), task.getValue(), options);
        }
        // a monitor that a thread of the parent holds at the fork, entered in the child: a deadlock, known at once
        Object monitor = new Object();
        java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
        Thread holder = new Thread(() -> {
            synchronized (monitor) {
                held.countDown();
                try {
                    Thread.sleep(120_000);
                } catch (InterruptedException ended) {
                    // the task is over
                }
            }
        }, "monitor-holder");
        holder.setDaemon(true);
        holder.start();
        held.await();
        try {
            run(forker, "monitor", () -> {
                synchronized (monitor) {
                    return "entered";
                }
            }, options);
        } finally {
            holder.interrupt();
            holder.join();
        }
        // a thread of the parent running Java at every fork: no safepoint could complete in a child, so the
        // VM thread is not started there (each such child is forked again, then one goes ahead without it)
        AtomicBoolean stop = new AtomicBoolean();
        Thread spinner = new Thread(() -> {
            while (!stop.get()) {
                spins++;
            }
        }, "busy-parent-thread");
        spinner.setDaemon(true);
        spinner.start();
        long restarts = Forker.restartsBeforeStart();
        try {
            run(forker, "gc-busy", tasks.get("gc"), options);
        } finally {
            stop.set(true);
            spinner.join();
        }
        System.out.println(RESTARTS + (Forker.restartsBeforeStart() - restarts));
        System.setProperty(ChildRuntimeReport.PROPERTY, ChildRuntimeReport.OFF);
        run(forker, "gc-off", tasks.get("gc"), options);
        System.out.println(DONE + " " + warm);
    }

    private static void run(Forker forker, String name, Callable<String> task, ForkOptions options) {
        try {
            System.out.println(RESULT + name + " " + forker.call(task, options));
        } catch (Exception e) {
            System.out.println(FAILED + name + " " + String.valueOf(e.getMessage()).replace('\n', ' '));
        }
    }
}
