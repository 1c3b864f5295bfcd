package dev.jfork;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * How a child is forked: its deadline and where its stdin, stdout and stderr go. Immutable; each
 * {@code with...} returns a copy.
 *
 * <p>Every child has a deadline unless {@link #withoutDeadline()} says otherwise: the child arms
 * {@code alarm} for it, and the parent kills it with SIGKILL shortly after, reporting it as
 * {@link ChildEnd.Kind#HUNG}.
 */
public final class ForkOptions {
    /** System property: the default deadline in seconds (a positive integer). */
    public static final String DEADLINE_PROPERTY = "fork.deadline.seconds";
    /** The default deadline when {@value #DEADLINE_PROPERTY} is not set. */
    public static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(60);

    /** Where one of the child's standard streams goes. */
    public enum Stdio {
        /** The child shares the parent's descriptor. */
        INHERIT,
        /** A pipe to the parent, read or written through the {@link ForkedProcess} streams. */
        PIPE
    }

    private final Duration deadline;
    private final Stdio stdin;
    private final Stdio stdout;
    private final Stdio stderr;

    private ForkOptions(Duration deadline, Stdio stdin, Stdio stdout, Stdio stderr) {
        this.deadline = deadline;
        this.stdin = stdin;
        this.stdout = stdout;
        this.stderr = stderr;
    }

    /**
     * Inherited stdio and the default deadline ({@value #DEADLINE_PROPERTY}, or
     * {@link #DEFAULT_DEADLINE}).
     *
     * @return the defaults
     */
    public static ForkOptions defaults() {
        return new ForkOptions(defaultDeadline(), Stdio.INHERIT, Stdio.INHERIT, Stdio.INHERIT);
    }

    private static Duration defaultDeadline() {
        String value = System.getProperty(DEADLINE_PROPERTY);
        if (value == null || value.isBlank()) {
            return DEFAULT_DEADLINE;
        }
        try {
            long seconds = Long.parseLong(value.strip());
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + DEADLINE_PROPERTY + "=" + value + " is not a whole, positive number"
            + " of seconds (e.g. -D" + DEADLINE_PROPERTY + "=2); for less than a second use"
            + " ForkOptions.withDeadline(Duration.ofMillis(...))");
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
        return new ForkOptions(newDeadline, stdin, stdout, stderr);
    }

    /**
     * A copy without any deadline: a hung child then stays hung until someone kills it.
     *
     * @return the copy
     */
    public ForkOptions withoutDeadline() {
        return new ForkOptions(null, stdin, stdout, stderr);
    }

    /**
     * A copy with the child's stdin set.
     *
     * @param how inherit or pipe
     * @return the copy
     */
    public ForkOptions withStdin(Stdio how) {
        return new ForkOptions(deadline, Objects.requireNonNull(how, "stdin"), stdout, stderr);
    }

    /**
     * A copy with the child's stdout set.
     *
     * @param how inherit or pipe
     * @return the copy
     */
    public ForkOptions withStdout(Stdio how) {
        return new ForkOptions(deadline, stdin, Objects.requireNonNull(how, "stdout"), stderr);
    }

    /**
     * A copy with the child's stderr set.
     *
     * @param how inherit or pipe
     * @return the copy
     */
    public ForkOptions withStderr(Stdio how) {
        return new ForkOptions(deadline, stdin, stdout, Objects.requireNonNull(how, "stderr"));
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
     * @return inherit or pipe
     */
    public Stdio stdin() {
        return stdin;
    }

    /**
     * The child's stdout.
     *
     * @return inherit or pipe
     */
    public Stdio stdout() {
        return stdout;
    }

    /**
     * The child's stderr.
     *
     * @return inherit or pipe
     */
    public Stdio stderr() {
        return stderr;
    }

    @Override
    public String toString() {
        return "ForkOptions[deadline=" + (deadline == null ? "none" : deadline) + ", stdin=" + stdin
            + ", stdout=" + stdout + ", stderr=" + stderr + "]";
    }
}
