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
 * @param list {@code --list}: print each test's and section's {@code --tests} name and display name
 *     (of those {@code --tests} selects) and end, running nothing
 * @param showStderr {@code --show-stderr}: show what the run writes to stderr as it comes, for passing
 *     tests too, instead of only a failing test's share, in its entry of the summary
 * @param help {@code --help}: print the usage and end
 */
record KitOptions(Optional<String> backend, boolean listBackends, Optional<Path> reports, List<String> tests,
                  boolean list, boolean showStderr, boolean help) {

    static final String USAGE = String.join("\n",
        "Usage: java [-Dfork.backend=jni|jnr|jna|ffm] -jar fork-conformance.jar [--backend NAME] [--reports DIR]",
        "                                                          [--tests NAME,...] [--show-stderr]",
        "       java -jar fork-conformance.jar --list [--tests NAME,...]",
        "       java -jar fork-conformance.jar --list-backends",
        "",
        "Runs jfork's whole conformance kit against one backend on this machine, printing each section's",
        "results as it goes, then a summary that ends with 'N passed, M failed' (and ', K skipped' when a",
        "test cannot run here). Exit code 0 when nothing failed, 1 when something did, 2 for a bad command",
        "line or a backend that is unknown or unavailable.",
        "",
        "  --backend NAME    run the kit against backend NAME (jni, jnr, jna or ffm); overrides -Dfork.backend;",
        "                    without either, the first available of jni, jnr, jna and ffm",
        "  --reports DIR     also write JUnit XML reports (the format CI systems read) into DIR",
        "  --tests NAME,...  run only the tests whose Java method is named NAME (plainValuesCrossExactly),",
        "                    or every test of the nested class named NAME (WarmPool), as the kit's source",
        "                    and the XML reports name them (--list prints them all, and each FAIL line and",
        "                    the summary's last lines name what failed so); when nothing matches, nothing",
        "                    runs (exit code 1)",
        "  --list            print each section's and test's --tests name and display name, indented by",
        "                    section, and end without running anything; with --tests, only those selected",
        "  --show-stderr     show what the kit's JVM and its children write to stderr as it comes; without",
        "                    it, stderr is kept aside and only a failing test's share is printed, after its",
        "                    stack trace in the summary (some tests' children print stack traces on purpose)",
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
        boolean listTests = false;
        boolean showStderr = false;
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
                case "--list":
                    noValue(arg, inline);
                    listTests = true;
                    break;
                case "--show-stderr":
                    noValue(arg, inline);
                    showStderr = true;
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
        return new KitOptions(Optional.ofNullable(backend), list, Optional.ofNullable(reports), tests, listTests,
            showStderr, help);
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
