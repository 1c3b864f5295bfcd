package dev.jfork.demo;

import dev.jfork.BackendInfo;
import dev.jfork.BackendSelectionException;
import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ErrnoException;
import dev.jfork.ForkOptions;
import dev.jfork.ForkRefusedException;
import dev.jfork.ForkedProcess;
import dev.jfork.Forker;
import dev.jfork.ProcessForkers;
import dev.jfork.Signals;
import dev.jfork.spi.NativeChildPaths;
import dev.jfork.spi.ProcessForker;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;

/**
 * The seed's parent loop on a jfork backend: fork a child that prints {@code Hello from child <pid>},
 * print {@code Hello from parent <pid> <child pid>}, then read a line; {@code q} or end of input ends
 * it. Unlike the seed, it ends cleanly at end of input, reaps every child before it reads again, and
 * keeps stdout for the seed's lines alone (everything else goes to stderr).
 *
 * <p>Exit codes: 0 done, 1 a fork or stream failed, 2 bad arguments or no usable backend.
 */
public final class ForkDemo {
    static final String CHILD_PREFIX = "Hello from child ";
    static final String PARENT_PREFIX = "Hello from parent ";
    static final int EXIT_OK = 0;
    static final int EXIT_FAILED = 1;
    static final int EXIT_USAGE = 2;
    /**
     * The children's deadline unless {@code -Dfork.deadline.seconds} sets one: a child that prints one
     * line needs milliseconds, and a hung one should not keep the prompt away for the library's 60 s.
     */
    static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(10);

    private ForkDemo() {
    }

    /**
     * Runs the demo and exits with its code.
     *
     * @param args see {@link DemoOptions#USAGE}
     */
    public static void main(String[] args) {
        System.exit(run(args, System.in, System.out, System.err));
    }

    /**
     * Runs the demo. The children write their line to file descriptor 1 themselves, so {@code out}
     * should be {@link System#out} for the two kinds of lines to share one stream.
     *
     * @param args the command line
     * @param in where the lines come from
     * @param out where the parent's lines go
     * @param err where everything else goes
     * @return the exit code
     */
    public static int run(String[] args, InputStream in, PrintStream out, PrintStream err) {
        DemoOptions options;
        try {
            options = DemoOptions.parse(args);
        } catch (DemoOptions.UsageException e) {
            err.println("fork-demo: " + e.getMessage());
            err.print(DemoOptions.USAGE);
            err.flush();
            return EXIT_USAGE;
        }
        if (options.help()) {
            out.print(DemoOptions.USAGE);
            out.flush();
            return EXIT_OK;
        }
        if (options.listBackends()) {
            return listBackends(out, err);
        }
        Forker forker;
        try {
            ProcessForker backend = options.backend().isPresent()
                ? ProcessForkers.backend(options.backend().get())
                : ProcessForkers.backend();
            forker = Forker.of(backend);
        } catch (BackendSelectionException e) {
            err.println(e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        ForkOptions forkOptions;
        try {
            forkOptions = forkOptions();
        } catch (IllegalArgumentException e) {
            err.println("fork-demo: " + e.getMessage());
            err.flush();
            return EXIT_USAGE;
        }
        err.println("fork-demo: backend " + forker.backend().name() + " (" + selectedBy(options) + "); "
            + childPath(forker.backend(), forkOptions));
        err.flush();
        try {
            return loop(forker, forkOptions, options.count(), in, out, err);
        } catch (ForkRefusedException | ErrnoException e) {
            err.println("fork-demo: " + e.getMessage());
            err.flush();
            return EXIT_FAILED;
        }
    }

    private static int listBackends(PrintStream out, PrintStream err) {
        List<BackendInfo> found = ProcessForkers.list();
        if (found.isEmpty()) {
            err.println("fork-demo: no backend found on the class path (known backends: jni, jnr, jna, ffm)");
            err.flush();
            return EXIT_FAILED;
        }
        for (BackendInfo info : found) {
            out.println(info.describe());
        }
        out.flush();
        return EXIT_OK;
    }

    private static String selectedBy(DemoOptions options) {
        if (options.backend().isPresent()) {
            return "--backend";
        }
        String property = System.getProperty(ProcessForkers.BACKEND_PROPERTY);
        if (property != null && !property.isBlank()) {
            return "-D" + ProcessForkers.BACKEND_PROPERTY;
        }
        return "default: the first available of " + String.join(", ", ProcessForkers.DEFAULT_ORDER);
    }

    private static ForkOptions forkOptions() {
        String property = System.getProperty(ForkOptions.DEADLINE_PROPERTY);
        ForkOptions defaults = ForkOptions.defaults();
        return property == null || property.isBlank() ? defaults.withDeadline(DEFAULT_DEADLINE) : defaults;
    }

    private static String childPath(ProcessForker backend, ForkOptions forkOptions) {
        String deadline = forkOptions.deadline().map(d -> d.toMillis() + " ms").orElse("none");
        if (backend instanceof NativeChildPaths) {
            return "the child runs in native code only; watchdog deadline " + deadline;
        }
        return "the child takes jfork's Java path: pre-warm, start handshake, watchdog deadline " + deadline;
    }

    private static int loop(Forker forker, ForkOptions forkOptions, OptionalInt count, InputStream in,
                            PrintStream out, PrintStream err) {
        long parentPid = ProcessHandle.current().pid();
        BufferedReader lines = count.isPresent() ? null
            : new BufferedReader(new InputStreamReader(in, Charset.defaultCharset()));
        long restarts = Forker.restartsBeforeStart();
        for (int i = 0; !count.isPresent() || i < count.getAsInt(); i++) {
            ForkedProcess child = null;
            try {
                child = forker.forkPrintingPid(CHILD_PREFIX, "\n", forkOptions);
            } catch (ChildFailureException e) {
                err.println("fork-demo: no child this time: " + e.getMessage() + "; going on");
            }
            long nowRestarts = Forker.restartsBeforeStart();
            if (nowRestarts > restarts) {
                err.println("fork-demo: " + (nowRestarts - restarts) + " child(ren) hung before they started;"
                    + " jfork killed them and forked again");
                restarts = nowRestarts;
            }
            if (child != null) {
                // one write for the whole line, so that it never interleaves with a child's
                out.print(PARENT_PREFIX + parentPid + " " + child.pid() + "\n");
                out.flush();
                int status = awaitChild(child, err);
                if (status != EXIT_OK) {
                    return status;
                }
            }
            err.flush();
            if (out.checkError()) {
                err.println("fork-demo: stdout is closed or broken; stopping");
                err.flush();
                return EXIT_FAILED;
            }
            if (lines != null) {
                String line;
                try {
                    line = lines.readLine();
                } catch (IOException e) {
                    err.println("fork-demo: reading stdin failed: " + e);
                    err.flush();
                    return EXIT_FAILED;
                }
                if (line == null || line.equals("q")) {
                    break;
                }
            }
        }
        return EXIT_OK;
    }

    /** Waits until the child has ended and jfork has reaped it, so no zombie waits at the prompt. */
    private static int awaitChild(ForkedProcess child, PrintStream err) {
        ChildEnd end;
        try {
            end = child.awaitEnd();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            child.destroyForcibly();
            err.println("fork-demo: interrupted while waiting for child " + child.pid());
            return EXIT_FAILED;
        }
        if (end.hung()) {
            String deadline = child.deadline().map(d -> d.toMillis() + " ms").orElse("its deadline");
            err.println("fork-demo: child " + child.pid() + " hung: it outlived its deadline of " + deadline
                + " and the watchdog ended it with " + Signals.name(end.signal()) + "; going on");
        } else if (end.exitValue() != 0) {
            err.println("fork-demo: child " + child.pid() + " " + end);
        }
        return EXIT_OK;
    }
}
