package dev.jfork;

import java.io.File;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * How a child is forked: its deadline and where its stdin, stdout and stderr go. Immutable; each
 * {@code with...} returns a copy.
 *
 * <p>Every forked Java child has a deadline unless {@link #withoutDeadline()} says otherwise: the
 * child arms {@code alarm} for it, and the parent kills it with SIGKILL shortly after, reporting it as
 * {@link ChildEnd.Kind#HUNG}. A program started by {@link Forker#exec} runs none of the JVM's code, and
 * has no deadline unless {@link #withDeadline} asks for one, as with {@link ProcessBuilder}: the default
 * deadline ({@value #DEADLINE_PROPERTY}) does not apply to it.
 *
 * <p>Standard streams are redirected as {@link ProcessBuilder} does it, with its own
 * {@link Redirect}s: inherited (the default), piped to the parent ({@link ForkedProcess} streams), read
 * from a file ({@code Redirect.from}), written to one ({@code Redirect.to}, truncated first, or
 * {@code Redirect.appendTo}), or discarded ({@code Redirect.DISCARD}); and stderr sent where stdout
 * goes ({@link #withStderrToStdout()}, {@code redirectErrorStream(true)}). A file is opened by the
 * parent when the child is started, so a file that cannot be opened fails the start with an
 * {@link ErrnoException} naming it ({@code open(/no/such/dir/out.txt, ...) failed: ENOENT ...}) and
 * no child is left. {@code call}, {@code callAsync} and {@code forkRaw} keep the parent's streams:
 * their stdio settings are ignored.
 *
 * <p>A program started by {@link Forker#exec} can also get a working directory
 * ({@link #withDirectory}) and an environment of its own ({@link #withEnvironment}), as
 * {@code ProcessBuilder.directory} and {@code environment()} give. A forked Java child cannot: it
 * keeps the JVM's {@code user.dir} and {@code System.getenv()}, so forking with either set is refused.
 */
public final class ForkOptions {
    /** System property: the default deadline in seconds (a positive integer). */
    public static final String DEADLINE_PROPERTY = "fork.deadline.seconds";
    /** The default deadline when {@value #DEADLINE_PROPERTY} is not set. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);

    /** Where one of the child's standard streams goes: the common cases of {@link Redirect}. */
    public enum Stdio {
        /** The child shares the parent's descriptor ({@link Redirect#INHERIT}). */
        INHERIT(Redirect.INHERIT),
        /** A pipe to the parent, read or written through the {@link ForkedProcess} streams ({@link Redirect#PIPE}). */
        PIPE(Redirect.PIPE),
        /** Output written to {@code /dev/null} ({@link Redirect#DISCARD}); as stdin, {@code /dev/null}'s end of file at once. */
        DISCARD(Redirect.DISCARD);

        private final Redirect redirect;

        Stdio(Redirect redirect) {
            this.redirect = redirect;
        }
    }

    private static final Redirect FROM_DEV_NULL = Redirect.from(new File("/dev/null"));

    private final Duration deadline;
    /** Whether {@link #withDeadline} or {@link #withoutDeadline} chose it: else an exec'ed program has none. */
    private final boolean deadlineChosen;
    private final Redirect stdin;
    private final Redirect stdout;
    private final Redirect stderr;
    private final boolean stderrToStdout;
    private final Path directory;
    private final Map<String, String> environment;

    private ForkOptions(Duration deadline, Redirect stdin, Redirect stdout, Redirect stderr, boolean stderrToStdout) {
        this(deadline, false, stdin, stdout, stderr, stderrToStdout, null, null);
    }

    private ForkOptions(Duration deadline, boolean deadlineChosen, Redirect stdin, Redirect stdout, Redirect stderr,
                        boolean stderrToStdout, Path directory, Map<String, String> environment) {
        this.deadline = deadline;
        this.deadlineChosen = deadlineChosen;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
        this.stderrToStdout = stderrToStdout;
        this.directory = directory;
        this.environment = environment;
    }

    /**
     * Inherited stdio and the default deadline ({@value #DEADLINE_PROPERTY}, or
     * {@link #DEFAULT_DEADLINE}).
     *
     * @return the defaults
     */
    public static ForkOptions defaults() {
        Duration deadline = OptionChecks.defaultDeadline();
        return new ForkOptions(deadline, Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT, false);
    }

    /**
     * A copy with this deadline.
     *
     * @param newDeadline at least one millisecond
     * @return the copy
     */
    public ForkOptions withDeadline(Duration newDeadline) {
        Objects.requireNonNull(newDeadline, "deadline");
        if (newDeadline.toMillis() < 1) {
            throw new IllegalArgumentException("deadline must be at least 1 ms, was " + newDeadline
                + "; use withoutDeadline() for none");
        }
        return new ForkOptions(newDeadline, true, stdin, stdout, stderr, stderrToStdout, directory, environment);
    }

    /**
     * A copy without any deadline: a hung child then stays hung until someone kills it.
     *
     * @return the copy
     */
    public ForkOptions withoutDeadline() {
        return new ForkOptions(null, true, stdin, stdout, stderr, stderrToStdout, directory, environment);
    }

    /**
     * A copy with the child's stdin set.
     *
     * @param how inherit, pipe, or discard ({@code /dev/null}: end of file at once)
     * @return the copy
     */
    public ForkOptions withStdin(Stdio how) {
        Objects.requireNonNull(how, "stdin");
        return withStdin(how == Stdio.DISCARD ? FROM_DEV_NULL : how.redirect);
    }

    /**
     * A copy with the child's stdin set, as {@link ProcessBuilder#redirectInput(Redirect)}.
     *
     * @param how {@link Redirect#INHERIT}, {@link Redirect#PIPE} or {@code Redirect.from(file)}
     * @return the copy
     * @throws IllegalArgumentException for a redirect to a file ({@code to}, {@code appendTo},
     *     {@code DISCARD}): those are for output
     */
    public ForkOptions withStdin(Redirect how) {
        Redirect checked = OptionChecks.input(how);
        return new ForkOptions(deadline, deadlineChosen, checked, stdout, stderr, stderrToStdout, directory,
            environment);
    }

    /**
     * A copy with the child's stdout set.
     *
     * @param how inherit, pipe or discard
     * @return the copy
     */
    public ForkOptions withStdout(Stdio how) {
        return withStdout(Objects.requireNonNull(how, "stdout").redirect);
    }

    /**
     * A copy with the child's stdout set, as {@link ProcessBuilder#redirectOutput(Redirect)}.
     *
     * @param how {@link Redirect#INHERIT}, {@link Redirect#PIPE}, {@link Redirect#DISCARD},
     *     {@code Redirect.to(file)} (created or truncated) or {@code Redirect.appendTo(file)}
     * @return the copy
     * @throws IllegalArgumentException for {@code Redirect.from(file)}, which is for input
     */
    public ForkOptions withStdout(Redirect how) {
        Redirect checked = OptionChecks.output(how, "stdout");
        return new ForkOptions(deadline, deadlineChosen, stdin, checked, stderr, stderrToStdout, directory,
            environment);
    }

    /**
     * A copy with the child's stderr set; ignored while {@link #withStderrToStdout()} is on.
     *
     * @param how inherit, pipe or discard
     * @return the copy
     */
    public ForkOptions withStderr(Stdio how) {
        return withStderr(Objects.requireNonNull(how, "stderr").redirect);
    }

    /**
     * A copy with the child's stderr set, as {@link ProcessBuilder#redirectError(Redirect)}; ignored
     * while {@link #withStderrToStdout()} is on.
     *
     * @param how as for {@link #withStdout(Redirect)}
     * @return the copy
     * @throws IllegalArgumentException for {@code Redirect.from(file)}, which is for input
     */
    public ForkOptions withStderr(Redirect how) {
        Redirect checked = OptionChecks.output(how, "stderr");
        return new ForkOptions(deadline, deadlineChosen, stdin, stdout, checked, stderrToStdout, directory,
            environment);
    }

    /**
     * A copy whose child writes its stderr where its stdout goes (fd 2 a copy of fd 1, as the shell's
     * {@code 2>&1} and {@code ProcessBuilder.redirectErrorStream(true)}): into the stdout pipe, the
     * stdout file, or the parent's stdout. The stderr setting is then ignored, and
     * {@link ForkedProcess#getErrorStream()} is empty.
     *
     * @return the copy
     */
    public ForkOptions withStderrToStdout() {
        return new ForkOptions(deadline, deadlineChosen, stdin, stdout, stderr, true, directory, environment);
    }

    /**
     * A copy whose program ({@link Forker#exec}) starts in {@code dir}, as
     * {@code ProcessBuilder.directory(dir)}; a relative program name or path is then looked up from
     * there. Files of redirects are still opened from this process's directory.
     *
     * @param dir the directory, or null for this process's
     * @return the copy
     */
    public ForkOptions withDirectory(Path dir) {
        Path checked = OptionChecks.directory(dir);
        return new ForkOptions(deadline, deadlineChosen, stdin, stdout, stderr, stderrToStdout, checked, environment);
    }

    /**
     * A copy whose program ({@link Forker#exec}) gets exactly this environment instead of this
     * process's; start from {@code new HashMap<>(System.getenv())} to change only some variables.
     * {@code PATH} for finding the program is still this process's, as with {@code ProcessBuilder}.
     *
     * @param variables the names and values, copied; null for this process's environment
     * @return the copy
     * @throws IllegalArgumentException for an empty name, a name with {@code =}, or a NUL anywhere
     */
    public ForkOptions withEnvironment(Map<String, String> variables) {
        Map<String, String> copy = OptionChecks.environment(variables);
        return new ForkOptions(deadline, deadlineChosen, stdin, stdout, stderr, stderrToStdout, directory, copy);
    }

    /** Refuses a directory or an environment for a child that runs Java ({@code what}), which cannot honour them. */
    void requireNoExecSettings(String what) {
        OptionChecks.refuseExecSettings(what, directory != null || environment != null);
    }

    /**
     * For a {@code call} ({@code what}), whose child keeps the parent's stdio: these options, every stream
     * inherited, after refusing (IllegalArgumentException, naming it) any other stdio setting.
     */
    ForkOptions requireInheritedStdio(String what) {
        OptionChecks.refuseStdioSetting(what, stdin, stdout, stderr, stderrToStdout);
        return withInheritedStdio();
    }

    /**
     * These options as {@code exec} applies them: without a deadline unless one was chosen with
     * {@link #withDeadline} (the default deadline is for forked Java children only).
     */
    ForkOptions forExec() {
        return deadlineChosen ? this : new ForkOptions(null, false, stdin, stdout, stderr, stderrToStdout, directory,
            environment);
    }

    /** The same deadline, every stream inherited: for the children that keep the parent's stdio. */
    ForkOptions withInheritedStdio() {
        return new ForkOptions(deadline, deadlineChosen, Redirect.INHERIT, Redirect.INHERIT, Redirect.INHERIT, false,
            directory, environment);
    }

    /** The same, but stdin and stderr inherited: for a child that only writes to stdout. */
    ForkOptions withOnlyStdout() {
        return new ForkOptions(deadline, deadlineChosen, Redirect.INHERIT, stdout, Redirect.INHERIT, false, directory,
            environment);
    }

    /**
     * The deadline, if any.
     *
     * @return empty only after {@link #withoutDeadline()}
     */
    public Optional<Duration> deadline() {
        return Optional.ofNullable(deadline);
    }

    /**
     * The child's stdin.
     *
     * @return {@link Redirect#INHERIT}, {@link Redirect#PIPE} or a file read
     */
    public Redirect stdin() {
        return stdin;
    }

    /**
     * The child's stdout.
     *
     * @return {@link Redirect#INHERIT}, {@link Redirect#PIPE} or a file written
     */
    public Redirect stdout() {
        return stdout;
    }

    /**
     * The child's stderr setting, which {@link #stderrToStdout()} overrides.
     *
     * @return {@link Redirect#INHERIT}, {@link Redirect#PIPE} or a file written
     */
    public Redirect stderr() {
        return stderr;
    }

    /**
     * Whether the child's stderr goes where its stdout goes ({@link #withStderrToStdout()}).
     *
     * @return true when it does
     */
    public boolean stderrToStdout() {
        return stderrToStdout;
    }

    /**
     * The working directory of an {@code exec}ed program.
     *
     * @return empty for this process's
     */
    public Optional<Path> directory() {
        return Optional.ofNullable(directory);
    }

    /**
     * The environment of an {@code exec}ed program.
     *
     * @return empty for this process's; else an unmodifiable map
     */
    public Optional<Map<String, String>> environment() {
        return Optional.ofNullable(environment);
    }

    @Override
    public String toString() {
        return "ForkOptions[deadline=" + (deadline == null ? "none" : deadline) + ", stdin=" + stdin
            + ", stdout=" + stdout + ", stderr=" + (stderrToStdout ? "to stdout" : stderr.toString())
            + (directory == null ? "" : ", directory=" + directory)
            + (environment == null ? "" : ", environment=" + environment.size() + " variables") + "]";
    }
}
