package dev.jfork.bench.tasks;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ForkOptions;
import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Everyday tasks through {@code Forker.call}, as a user writes them (this file is compiled with plain
 * {@code javac}, default flags), in a fresh JVM with default flags; plus tasks that cannot finish in a
 * child (a GC, a wait). Appends {@code backend,task,outcome,ms,runtime} rows to a CSV file, outcome one of
 * {@code ok}, {@code deadlocked}, {@code hung} or {@code failed}.
 *
 * <p>With {@code -Dfork.childRuntime=vm} (and SerialGC: {@code tasks.sh --child-runtime}) a child has its VM
 * thread back: the tasks that needed only a collection or a deoptimisation must then finish; the others
 * (a wait, {@code System.exit}) are still reported deadlocked.
 *
 * <p>Run by {@code fork-bench/tasks.sh}; arguments: the backend's name and the CSV file.
 */
public final class EverydayTasks {
    private static final ForkOptions DEADLINE = ForkOptions.defaults().withDeadline(Duration.ofSeconds(20));

    private EverydayTasks() {
    }

    /** A result type declared beside the tasks. */
    record Invoice(String customer, BigDecimal total, List<String> lines) implements Serializable {
    }

    /** An exception with a cause, thrown in the child. */
    static final class BillingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        BillingException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** What a task should do in a child. */
    enum Expect {
        /** finish with its result */
        FINISH,
        /** be reported deadlocked (it needs a GC or another thread), not hang until its deadline */
        DEADLOCK,
        /** either: it finished in our runs, but it starts threads, which a child cannot count on */
        EITHER
    }

    /**
     * One task: its name, what it does, and what it should do in a child; a task that should deadlock also
     * says what its failure must name as the cause.
     */
    record Task(String name, Callable<?> body, Expect expect, String cause, boolean finishesWithRuntime) {
        Task(String name, Callable<?> body, Expect expect) {
            this(name, body, expect, null, false);
        }

        Task(String name, Callable<?> body, Expect expect, String cause) {
            this(name, body, expect, cause, false);
        }

        /** A task that cannot finish in a child only for want of a collection or a deoptimisation. */
        static Task needingVmThread(String name, Callable<?> body, String cause) {
            return new Task(name, body, Expect.DEADLOCK, cause, true);
        }

        /** @return what this task must do, with or without the child runtime */
        Expect expected(boolean childRuntime) {
            return childRuntime && finishesWithRuntime ? Expect.FINISH : expect;
        }
    }

    /** A class whose only subclass, until a child loads another, lets the JIT inline its method. */
    abstract static class Shape {
        abstract int area();
    }

    /** The subclass the parent knows. */
    static final class Square extends Shape {
        @Override
        int area() {
            return 4;
        }
    }

    /** Set by {@link EverydayTasksLateShape}'s initialiser, in the child: the task's code names only this field. */
    static volatile Shape late;

    static int sum(Shape shape, int n) {
        int total = 0;
        for (int i = 0; i < n; i++) {
            total += shape.area();
        }
        return total;
    }

    static List<Task> tasks(Path dir) {
        List<Task> t = new ArrayList<>();
        t.add(new Task("string-format", () -> String.format("%-10s|%08.3f|%,d|%x", "name", Math.PI, 1234567, 255), Expect.FINISH));
        t.add(new Task("string-concat", () -> {
            String s = "";
            for (int i = 0; i < 50; i++) {
                s = s + i + ",";
            }
            return s.length();
        }, Expect.FINISH));
        t.add(new Task("string-builder-1mb", () -> {
            StringBuilder b = new StringBuilder();
            while (b.length() < 1 << 20) {
                b.append("0123456789abcdef");
            }
            return b.length();
        }, Expect.FINISH));
        t.add(new Task("split-join", () -> String.join("-", "a,b,c,d,e".split(",")), Expect.FINISH));
        t.add(new Task("regex", () -> {
            Matcher m = Pattern.compile("(\\w+)@(\\w+)\\.com").matcher("ann@example.com, bob@test.com");
            List<String> users = new ArrayList<>();
            while (m.find()) {
                users.add(m.group(1));
            }
            return users;
        }, Expect.FINISH));
        t.add(new Task("sort-boxed", () -> {
            List<Integer> xs = new ArrayList<>();
            Random r = new Random(42);
            for (int i = 0; i < 10_000; i++) {
                xs.add(r.nextInt());
            }
            Collections.sort(xs);
            return xs.get(0);
        }, Expect.FINISH));
        t.add(new Task("hashmap-100k", () -> {
            Map<Integer, String> m = new HashMap<>();
            for (int i = 0; i < 100_000; i++) {
                m.put(i, "v");
            }
            return m.size();
        }, Expect.FINISH));
        t.add(new Task("treemap-word-count", () -> {
            Map<String, Integer> counts = new TreeMap<>();
            for (String w : "to be or not to be that is the question".split(" ")) {
                counts.merge(w, 1, Integer::sum);
            }
            return counts;
        }, Expect.FINISH));
        t.add(new Task("stream-grouping", () -> IntStream.rangeClosed(1, 1000).boxed()
            .collect(Collectors.groupingBy(i -> i % 3, Collectors.counting())), Expect.FINISH));
        t.add(new Task("stream-sorted-map", () -> List.of("pear", "fig", "apple", "kiwi").stream()
            .sorted().map(String::toUpperCase).collect(Collectors.toList()), Expect.FINISH));
        t.add(new Task("optional", () -> Optional.of("x").map(s -> s + "y").orElse("z"), Expect.FINISH));
        t.add(new Task("priority-queue", () -> {
            PriorityQueue<Integer> q = new PriorityQueue<>(List.of(5, 1, 4, 2, 3));
            return q.poll();
        }, Expect.FINISH));
        t.add(new Task("deque-linkedhashmap", () -> {
            ArrayDeque<String> d = new ArrayDeque<>(List.of("a", "b"));
            d.push("z");
            Map<String, Integer> lhm = new LinkedHashMap<>();
            d.forEach(s -> lhm.put(s, s.length()));
            return lhm.keySet().toString();
        }, Expect.FINISH));
        t.add(new Task("biginteger", () -> BigInteger.valueOf(3).pow(500).mod(BigInteger.valueOf(1_000_007)), Expect.FINISH));
        t.add(new Task("bigdecimal", () -> new BigDecimal("2").sqrt(new MathContext(50)), Expect.FINISH));
        t.add(new Task("math", () -> Math.sqrt(2) * Math.sin(1) + Math.log(10), Expect.FINISH));
        t.add(new Task("java-time", () -> LocalDate.of(2026, 11, 29).plusMonths(3).getDayOfWeek().toString(), Expect.FINISH));
        t.add(new Task("time-format", () -> ZonedDateTime.of(2026, 11, 29, 12, 0, 0, 0, ZoneOffset.UTC)
            .format(DateTimeFormatter.ISO_OFFSET_DATE_TIME), Expect.FINISH));
        t.add(new Task("sha-256", () -> HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
            .digest("hello".getBytes(StandardCharsets.UTF_8))), Expect.FINISH));
        t.add(new Task("crc32-base64", () -> {
            CRC32 crc = new CRC32();
            crc.update(new byte[1000]);
            return Base64.getEncoder().encodeToString(Long.toString(crc.getValue()).getBytes(StandardCharsets.UTF_8));
        }, Expect.FINISH));
        t.add(new Task("deflate-inflate", () -> {
            byte[] input = "abcabcabcabcabcabc".repeat(100).getBytes(StandardCharsets.UTF_8);
            Deflater d = new Deflater();
            d.setInput(input);
            d.finish();
            byte[] buf = new byte[4096];
            int n = d.deflate(buf);
            d.end();
            Inflater inf = new Inflater();
            inf.setInput(buf, 0, n);
            byte[] out = new byte[input.length];
            int m = inf.inflate(out);
            inf.end();
            return m;
        }, Expect.FINISH));
        t.add(new Task("uuid", () -> UUID.nameUUIDFromBytes("jfork".getBytes(StandardCharsets.UTF_8)).toString(), Expect.FINISH));
        t.add(new Task("file-write-read", () -> {
            Path f = dir.resolve("data-" + ProcessForkers.backend().getpid() + ".txt");
            Files.writeString(f, "line one\nline two\n", StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING);
            List<String> lines = Files.readAllLines(f);
            Files.delete(f);
            return lines.size();
        }, Expect.FINISH));
        t.add(new Task("record-result", () -> new Invoice("ACME", new BigDecimal("12.50"), List.of("a", "b")), Expect.FINISH));
        t.add(new Task("exception-with-cause", () -> {
            try {
                throw new BillingException("billing failed", new IOException("disk full"));
            } catch (BillingException e) {
                return e.getCause().getMessage();
            }
        }, Expect.FINISH));
        t.add(new Task("unchecked-io", () -> {
            try {
                Files.readString(dir.resolve("missing"));
                return "read";
            } catch (IOException e) {
                return new UncheckedIOException(e).getCause().getClass().getSimpleName();
            }
        }, Expect.FINISH));
        t.add(new Task("arrays-sort-search", () -> {
            int[] a = new Random(1).ints(50_000).toArray();
            Arrays.sort(a);
            return Arrays.binarySearch(a, a[100]);
        }, Expect.FINISH));
        t.add(new Task("keep-32mb", () -> {
            List<byte[]> kept = new ArrayList<>();
            for (int i = 0; i < 128; i++) {
                kept.add(new byte[256 * 1024]);
            }
            return kept.size();
        }, Expect.FINISH));
        // these cannot finish in a child: they need a GC or another thread
        t.add(Task.needingVmThread("churn-512mb", () -> {
            long sum = 0;
            for (int i = 0; i < 512; i++) {
                sum += new byte[1 << 20].length;
            }
            return sum;
        }, "allocating"));
        t.add(Task.needingVmThread("system-gc", () -> {
            System.gc();
            return 0;
        }, "in System.gc()"));
        t.add(Task.needingVmThread("deopt-new-subclass", () -> {
            // a name built at run time: nothing loads the class before the child
            String lateName = EverydayTasks.class.getName() + "Late" + "Shape";
            Class.forName(lateName, true, EverydayTasks.class.getClassLoader());
            return sum(late, 1000);
        }, "loading a class for the first time"));
        t.add(new Task("object-wait", () -> {
            Object lock = new Object();
            synchronized (lock) {
                lock.wait();
            }
            return 0;
        }, Expect.DEADLOCK, "in Object.wait()"));
        t.add(new Task("system-exit", () -> {
            System.exit(2);
            return 0;
        }, Expect.DEADLOCK, "in System.exit"));
        t.add(Task.needingVmThread("thread-needs-gc", () -> {
            Thread collector = new Thread(System::gc);
            collector.start();
            collector.join();
            return 0;
        }, "all 2 of its threads wait for ever; one is in System.gc()"));
        t.add(new Task("thread-join", () -> {
            long[] sum = new long[1];
            Thread helper = new Thread(() -> sum[0] = LongStream.rangeClosed(1, 1000).sum());
            helper.start();
            helper.join();
            return sum[0];
        }, Expect.FINISH));
        t.add(new Task("parallel-stream", () -> IntStream.range(0, 1_000_000).parallel().sum(), Expect.EITHER));
        return t;
    }

    /**
     * Entry point.
     *
     * @param args the backend's name and the CSV file to append to
     * @throws IOException when the CSV cannot be written
     */
    public static void main(String[] args) throws IOException {
        String backend = args[0];
        Path csv = Path.of(args[1]);
        Path dir = Files.createTempDirectory("jfork-tasks");
        Forker forker = Forker.of(ProcessForkers.backend(backend));
        boolean childRuntime = dev.jfork.ChildRuntimeReport.of(forker).vmThreadInChild();
        System.err.println("tasks: " + dev.jfork.ChildRuntimeReport.of(forker));
        // the parent compiles sum with Square.area inlined: a subclass loaded in a child undoes that
        Shape square = new Square();
        long warm = 0;
        for (int i = 0; i < 20_000; i++) {
            warm += sum(square, 1000);
        }
        System.err.println("tasks: warmed up (" + warm + ")");
        try {
            Thread.sleep(300);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        StringBuilder rows = new StringBuilder();
        int missed = 0;
        for (Task task : tasks(dir)) {
            long start = System.nanoTime();
            String outcome;
            String message = "";
            try {
                forker.call(task.body(), DEADLINE);
                outcome = "ok";
            } catch (ChildFailureException e) {
                ChildEnd.Kind kind = e.end().map(ChildEnd::kind).orElse(null);
                outcome = kind == ChildEnd.Kind.DEADLOCKED ? "deadlocked" : kind == ChildEnd.Kind.HUNG ? "hung" : "failed";
                message = e.getMessage();
                System.err.println("tasks: " + backend + "/" + task.name() + ": " + message);
            }
            long ms = (System.nanoTime() - start) / 1_000_000;
            // a deadlock must also say why: the cause it names is part of what is checked
            Expect expect = task.expected(childRuntime);
            boolean asExpected = expect == Expect.EITHER
                || (expect == Expect.FINISH ? outcome.equals("ok")
                : outcome.equals("deadlocked") && message.contains(", " + task.cause()));
            if (!asExpected) {
                missed++;
            }
            rows.append(backend).append(',').append(task.name()).append(',').append(outcome).append(',').append(ms)
                .append(',').append(childRuntime ? "vm" : "off").append('\n');
        }
        Files.writeString(csv, rows, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.delete(dir);
        System.exit(missed == 0 ? 0 : 1);
    }
}

/**
 * The subclass of {@link EverydayTasks.Shape} that a child loads first ({@code deopt-new-subclass}), by a name
 * no class file refers to. A class of its own, not a nested one: jfork loads a task's nest in the parent.
 */
final class EverydayTasksLateShape extends EverydayTasks.Shape {
    static {
        EverydayTasks.late = new EverydayTasksLateShape();
    }

    @Override
    int area() {
        return 9;
    }
}
