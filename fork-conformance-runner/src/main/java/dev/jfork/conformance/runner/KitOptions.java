package dev.jfork.conformance.runner;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The runner's command line.
 *
 * @param backend the backend named by {@code --backend}, if any
 * @param listBackends {@code --list-backends}: list the backends found and end
 * @param reports {@code --reports DIR}: where to write JUnit XML reports, if anywhere
 * @param tests {@code --tests NAME,...}: run only the tests with these method names or in the sections
 *     (nested classes) with these names; empty for the whole kit
 * @param help {@code --help}: print the usage and end
 */
record KitOptions(Optional<String> backend, boolean listBackends, Optional<Path> reports, List<String> tests,
                  boolean help) {

    static final String USAGE = String.join("\n",
        "Usage: java [-Dfork.backend=jnr|jna|jni] -jar fork-conformance.jar [--backend NAME] [--reports DIR]",
        "                                                          [--tests NAME,...]",
        "       java -jar fork-conformance.jar --list-backends",
        "",
        "Runs jfork's whole conformance kit against one backend on this machine, printing each section's",
        "results as it goes, then a summary that ends with 'N passed, M failed' (and ', K skipped' when a",
        "test cannot run here). Exit code 0 when nothing failed, 1 when something did, 2 for a bad command",
        "line or a backend that is unknown or unavailable.",
        "",
        "  --backend NAME    run the kit against backend NAME (jnr, jna or jni); overrides -Dfork.backend;",
        "                    without either, the first available of jni, jnr and jna",
        "  --reports DIR     also write JUnit XML reports (the format CI systems read) into DIR",
        "  --tests NAME,...  run only the tests whose Java method is named NAME (plainValuesCrossExactly),",
        "                    or every test of the nested class named NAME (WarmPool), as the kit's source",
        "                    and the XML reports name them; when nothing matches, nothing runs (exit code 1)",
        "  --list-backends   list every backend found, with its availability, and end",
        "  --help            print this and end",
        "",
        "-Dfork.kit.timeScale=N multiplies the kit's time-to-know bounds (a deadlock known within a second)",
        "by N, for a machine that runs everything several times slower, such as an emulator.",
        "");

    /** A command line that cannot be understood. */
    static final class UsageException extends Exception {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static KitOptions parse(String... args) throws UsageException {
        String backend = null;
        boolean list = false;
        Path reports = null;
        List<String> tests = List.of();
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
                        throw new UsageException("--backend needs a name: jnr, jna or jni");
                    }
                    break;
                case "--reports":
                    if (reports != null) {
                        throw new UsageException("--reports given twice");
                    }
                    String dir = inline != null ? inline : value(args, ++i, "--reports");
                    if (dir.isBlank()) {
                        throw new UsageException("--reports needs a directory");
                    }
                    reports = Path.of(dir);
                    break;
                case "--tests":
                    if (!tests.isEmpty()) {
                        throw new UsageException("--tests given twice");
                    }
                    String names = inline != null ? inline : value(args, ++i, "--tests");
                    tests = Arrays.stream(names.split(",")).map(String::strip).filter(n -> !n.isEmpty()).toList();
                    if (tests.isEmpty()) {
                        throw new UsageException("--tests needs at least one name, e.g. --tests WarmPool");
                    }
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
        return new KitOptions(Optional.ofNullable(backend), list, Optional.ofNullable(reports), tests, help);
    }

    private static String value(String[] args, int index, String option) throws UsageException {
        if (index >= args.length) {
            throw new UsageException(option + " needs a value");
        }
        return args[index];
    }

    private static void noValue(String option, String inline) throws UsageException {
        if (inline != null) {
            throw new UsageException(option + " takes no value");
        }
    }
}
