package dev.jfork.bench.stress;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One stress scenario in a fresh JVM: background threads doing one kind of work while children take
 * jfork's safe paths (println, call, exec) and one deliberately unsafe path; appends a line per path
 * to a CSV ({@code backend,scenario,path,forks,exited,hung,killed}).
 */
public final class StressMain {
    private static final Duration SAFE_DEADLINE = Duration.ofSeconds(10);
    private static final Duration UNSAFE_DEADLINE = Duration.ofSeconds(1);

    private StressMain() {
    }

    /**
     * Entry point.
     *
     * @param args backend, scenario (quiet|printing|allocating|locking), forks per safe path,
     *     unsafe forks, CSV file
     * @throws Exception on a setup failure
     */
    public static void main(String[] args) throws Exception {
        String backend = args[0];
        String scenario = args[1];
        int forks = Integer.parseInt(args[2]);
        int unsafeForks = Integer.parseInt(args[3]);
        Path csv = Path.of(args[4]);
        Forker forker = Forker.of(ProcessForkers.backend(backend));
        System.setOut(new PrintStream(new FileOutputStream("/dev/null"), true, StandardCharsets.UTF_8));
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> load = startLoad(scenario, stop);
        List<String> rows = new ArrayList<>();
        long restartsBefore = Forker.restartsBeforeStart();
        try {
            rows.add(row(backend, scenario, "println", println(forker, forks)));
            rows.add(row(backend, scenario, "call", call(forker, forks)));
            rows.add(row(backend, scenario, "exec", exec(forker, forks)));
            rows.add(row(backend, scenario, "unsafe", unsafe(forker, unsafeForks)));
        } finally {
            stop.set(true);
            for (Thread t : load) {
                t.join(5000);
            }
        }
        long left = ProcessHandle.current().children().filter(ProcessHandle::isAlive).count();
        Files.write(csv, rows, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        System.err.printf("stress %s %s: %s; children restarted before start: %d; children left running: %d%n",
            backend, scenario, rows, Forker.restartsBeforeStart() - restartsBefore, left);
        if (left != 0) {
            throw new IllegalStateException("stress: " + left + " children were left running");
        }
    }

    /** exited, hung, killed, late (a hang reported later than deadline + 1 s). */
    private static final class Counts {
        int forks;
        int exited;
        int hung;
        int killed;
        int deadlocked;
        int late;
        /** Tasks that ran more than once (each task sends one mark; a mark seen twice is counted). */
        int twice;

        void add(ChildEnd end) {
            forks++;
            switch (end.kind()) {
                case EXITED:
                    exited++;
                    break;
                case HUNG:
                    hung++;
                    break;
                case DEADLOCKED:
                    deadlocked++;
                    break;
                default:
                    killed++;
            }
        }
    }

    private static String row(String backend, String scenario, String path, Counts c) {
        if (c.late > 0) {
            System.err.printf("stress: %d %s children were reported hung later than their deadline + 1 s%n", c.late, path);
        }
        return String.join(",", backend, scenario, path, Integer.toString(c.forks), Integer.toString(c.exited),
            Integer.toString(c.hung), Integer.toString(c.killed), Integer.toString(c.deadlocked),
            Integer.toString(c.twice));
    }

    private static Counts println(Forker forker, int n) throws Exception {
        Counts c = new Counts();
        ForkOptions options = ForkOptions.defaults().withDeadline(SAFE_DEADLINE);
        try (Marks marks = new Marks(forker.backend(), n)) {
            for (int i = 0; i < n; i++) {
                byte[] mark = marks.mark(i);
                ForkedProcess p = forker.fork(() -> {
                    marks.send(mark);
                    System.out.println("child printing");
                    return 0;
                }, options);
                c.add(p.awaitEnd());
            }
            c.twice = marks.repeated();
        }
        return c;
    }

    private static Counts call(Forker forker, int n) throws Exception {
        Counts c = new Counts();
        ForkOptions options = ForkOptions.defaults().withDeadline(SAFE_DEADLINE);
        try (Marks marks = new Marks(forker.backend(), n)) {
            callEach(forker, n, options, marks, c);
            c.twice = marks.repeated();
        }
        return c;
    }

    private static void callEach(Forker forker, int n, ForkOptions options, Marks marks, Counts c) {
        for (int i = 0; i < n; i++) {
            int k = i;
            byte[] mark = marks.mark(i);
            try {
                Integer r = forker.call(() -> {
                    marks.send(mark);
                    return k * 2;
                }, options);
                if (r != k * 2) {
                    throw new IllegalStateException("call returned " + r + " for " + k);
                }
                c.forks++;
                c.exited++;
            } catch (ChildFailureException e) {
                c.add(e.end().orElseThrow(() -> e));
            }
        }
    }

    private static Counts exec(Forker forker, int n) throws InterruptedException {
        Counts c = new Counts();
        ForkOptions options = ForkOptions.defaults().withDeadline(SAFE_DEADLINE);
        for (int i = 0; i < n; i++) {
            c.add(forker.exec(List.of("/bin/true"), options).awaitEnd());
        }
        return c;
    }

    private static Counts unsafe(Forker forker, int n) throws InterruptedException {
        Counts c = new Counts();
        ForkOptions options = ForkOptions.defaults().withDeadline(UNSAFE_DEADLINE);
        for (int i = 0; i < n; i++) {
            boolean allocate = i % 2 == 1;
            ForkedProcess p = forker.fork(() -> {
                long spins = 0;
                List<byte[]> hold = new ArrayList<>();
                while (spins >= 0) {
                    spins++;
                    if (allocate) {
                        // past the young generation: needs a GC, which a child cannot run
                        hold.add(new byte[1 << 20]);
                    }
                }
                return hold.size();
            }, options);
            long start = System.nanoTime();
            ChildEnd end = p.awaitEnd();
            if (end.hung() && TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start) > UNSAFE_DEADLINE.toMillis() + 1000) {
                c.late++;
            }
            c.add(end);
        }
        return c;
    }

    private static List<Thread> startLoad(String scenario, AtomicBoolean stop) {
        List<Thread> threads = new ArrayList<>();
        Object[] locks = {new Object(), new Object()};
        for (int t = 0; t < 2; t++) {
            int id = t;
            Runnable work;
            switch (scenario) {
                case "quiet":
                    return threads;
                case "printing":
                    work = () -> {
                        while (!stop.get()) {
                            System.out.println("background thread " + id + " printing");
                        }
                    };
                    break;
                case "allocating":
                    work = () -> {
                        List<byte[]> keep = new ArrayList<>();
                        while (!stop.get()) {
                            keep.add(new byte[64 * 1024]);
                            if (keep.size() > 200) {
                                keep.clear();
                            }
                        }
                    };
                    break;
                case "locking":
                    work = () -> {
                        long n = 0;
                        while (!stop.get()) {
                            synchronized (locks[(int) (n++ & 1)]) {
                                Thread.onSpinWait();
                            }
                        }
                    };
                    break;
                default:
                    throw new IllegalArgumentException("unknown scenario " + scenario
                        + "; use quiet, printing, allocating or locking");
            }
            Thread thread = new Thread(work, "stress-" + scenario + "-" + id);
            thread.setDaemon(true);
            thread.start();
            threads.add(thread);
        }
        return threads;
    }

    /**
     * Each task sends its own 4-byte mark down a pipe the parent reads: a task that ran twice sends
     * its mark twice. Marks are made in the parent, and the child writes them with one raw write.
     */
    private static final class Marks implements AutoCloseable {
        private final dev.jfork.spi.ProcessForker posix;
        private final int[] pipe;
        private final int[] seen;
        private final Thread reader;

        Marks(dev.jfork.spi.ProcessForker posix, int n) {
            this.posix = posix;
            this.pipe = posix.pipe();
            this.seen = new int[n];
            this.reader = new Thread(this::readMarks, "stress marks");
            reader.setDaemon(true);
            reader.start();
            // once in the parent, so the child's first call of send finds it linked and counted
            send(new byte[] {-1, -1, -1, -1});
        }

        byte[] mark(int i) {
            return new byte[] {(byte) (i >>> 24), (byte) (i >>> 16), (byte) (i >>> 8), (byte) i};
        }

        void send(byte[] mark) {
            posix.write(pipe[1], mark, 4);
        }

        private void readMarks() {
            byte[] buf = new byte[4];
            while (true) {
                int got = 0;
                while (got < 4) {
                    byte[] part = new byte[4 - got];
                    int r = posix.read(pipe[0], part, part.length);
                    if (r <= 0) {
                        return;
                    }
                    System.arraycopy(part, 0, buf, got, r);
                    got += r;
                }
                int i = ((buf[0] & 0xff) << 24) | ((buf[1] & 0xff) << 16) | ((buf[2] & 0xff) << 8) | (buf[3] & 0xff);
                if (i >= 0 && i < seen.length) {
                    synchronized (seen) {
                        seen[i]++;
                    }
                }
            }
        }

        int repeated() throws InterruptedException {
            posix.close(pipe[1]);
            reader.join(30_000);
            int twice = 0;
            synchronized (seen) {
                for (int count : seen) {
                    if (count > 1) {
                        twice++;
                    }
                }
            }
            return twice;
        }

        @Override
        public void close() {
            try {
                posix.close(pipe[0]);
            } catch (RuntimeException alreadyClosed) {
                // the reader's end
            }
        }
    }
}
