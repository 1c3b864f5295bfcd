package dev.jfork.demo;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * The demo's command line.
 *
 * @param backend the backend named by {@code --backend}, if any
 * @param listBackends {@code --list-backends}: list the backends found and end
 * @param count {@code --count N}: run N iterations without reading stdin
 * @param help {@code --help}: print the usage and end
 */
record DemoOptions(Optional<String> backend, boolean listBackends, OptionalInt count, boolean help) {

    static final String USAGE = String.join("\n",
        "Usage: java [-Dfork.backend=jni|jnr|jna|ffm] -jar fork-demo.jar [--backend NAME] [--count N]",
        "       java -jar fork-demo.jar --list-backends",
        "",
        "Forks a child that prints 'Hello from child <pid>', prints 'Hello from parent <pid> <child pid>',",
        "waits for the child, then reads a line from stdin: 'q' or end of input ends it, anything else forks again.",
        "",
        "  --backend NAME    use backend NAME (jni, jnr, jna or ffm); overrides -Dfork.backend",
        "  --count N         run N iterations without reading stdin",
        "  --list-backends   list every backend found, with its availability, and end",
        "  --help            print this and end",
        "");

    /** A command line that cannot be understood. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static DemoOptions parse(String... args) throws UsageException {
        String backend = null;
        boolean list = false;
        Integer count = null;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String inline = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                inline = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            switch (arg) {
                case "--backend":
                    if (backend != null) {
                        throw new UsageException("--backend given twice");
                    }
                    backend = inline != null ? inline : value(args, ++i, "--backend");
                    if (backend.isBlank()) {
                        throw new UsageException("--backend needs a name: jni, jnr, jna or ffm");
                    }
                    break;
                case "--count":
                    if (count != null) {
                        throw new UsageException("--count given twice");
                    }
                    count = count(inline != null ? inline : value(args, ++i, "--count"));
                    break;
                case "--list-backends":
                    noValue(arg, inline);
                    list = true;
                    break;
                case "--help":
                case "-h":
                    noValue(arg, inline);
                    help = true;
                    break;
                default:
                    throw new UsageException("unknown argument '" + args[i] + "'");
            }
        }
        return new DemoOptions(Optional.ofNullable(backend), list,
            count == null ? OptionalInt.empty() : OptionalInt.of(count), help);
    }

    private static String value(String[] args, int at, String option) throws UsageException {
        if (at >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[at];
    }

    private static void noValue(String option, String inline) throws UsageException {
        if (inline != null) {
            throw new UsageException(option + " takes no value");
        }
    }

    private static int count(String text) throws UsageException {
        try {
            int n = Integer.parseInt(text.strip());
            if (n >= 0) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new UsageException("--count needs a number of iterations (0 or more), not '" + text + "'");
    }
}
