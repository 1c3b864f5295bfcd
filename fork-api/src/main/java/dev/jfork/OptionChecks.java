package dev.jfork;

import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * What {@link ForkOptions} refuses, and how it says so: the values its {@code with...} methods take, the
 * default deadline's property, and the settings a fork, a call or an exec cannot honour. Each message
 * names the setting and what to do instead.
 */
final class OptionChecks {
    private OptionChecks() {
    }

    /** @return the deadline of {@value ForkOptions#DEADLINE_PROPERTY}, or {@link ForkOptions#DEFAULT_DEADLINE} */
    static Duration defaultDeadline() {
        String value = System.getProperty(ForkOptions.DEADLINE_PROPERTY);
        if (value == null || value.isBlank()) {
            return ForkOptions.DEFAULT_DEADLINE;
        }
        try {
            long seconds = Long.parseLong(value.strip());
            if (seconds > 0) {
                return Duration.ofSeconds(seconds);
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException("-D" + ForkOptions.DEADLINE_PROPERTY + "=" + value + " is not a whole,"
            + " positive number of seconds (e.g. -D" + ForkOptions.DEADLINE_PROPERTY + "=2); for less than a second"
            + " use ForkOptions.withDeadline(Duration.ofMillis(...))");
    }

    /** @return {@code how}, a redirect stdin can take: not one to a file to write */
    static Redirect input(Redirect how) {
        Objects.requireNonNull(how, "stdin");
        if (how.type() == Redirect.Type.WRITE || how.type() == Redirect.Type.APPEND) {
            throw new IllegalArgumentException("stdin cannot be " + how + ": that redirect is for output;"
                + " use Redirect.from(file) for a file to read");
        }
        return how;
    }

    /** @return {@code how}, a redirect stdout or stderr ({@code stream}) can take: not one from a file */
    static Redirect output(Redirect how, String stream) {
        Objects.requireNonNull(how, stream);
        if (how.type() == Redirect.Type.READ) {
            throw new IllegalArgumentException(stream + " cannot be " + how + ": that redirect is for input;"
                + " use Redirect.to(file) or Redirect.appendTo(file) for a file to write");
        }
        return how;
    }

    /** @return {@code dir} (null for this process's), refused when it holds a NUL character */
    static Path directory(Path dir) {
        if (dir != null && dir.toString().indexOf('\0') >= 0) {
            throw new IllegalArgumentException("directory contains a NUL character: " + dir);
        }
        return dir;
    }

    /** @return an unmodifiable copy of {@code variables}, each name and value checked; null for null */
    static Map<String, String> environment(Map<String, String> variables) {
        if (variables == null) {
            return null;
        }
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : variables.entrySet()) {
            String name = Objects.requireNonNull(e.getKey(), "environment variable name");
            String value = Objects.requireNonNull(e.getValue(), () -> "the value of environment variable " + name);
            if (name.isEmpty() || name.indexOf('=') >= 0 || name.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("invalid environment variable name: '" + name
                    + "' (it must be non-empty, without '=' or NUL)");
            }
            if (value.indexOf('\0') >= 0) {
                throw new IllegalArgumentException("the value of environment variable " + name
                    + " contains a NUL character");
            }
            copy.put(name, value);
        }
        return Collections.unmodifiableMap(copy);
    }

    /** Refuses a directory or an environment ({@code set}) for a child that runs Java ({@code what}). */
    static void refuseExecSettings(String what, boolean set) {
        if (set) {
            throw new IllegalArgumentException(what + " runs Java in the child, which keeps the JVM's working"
                + " directory (user.dir) and System.getenv(): withDirectory and withEnvironment apply to exec only");
        }
    }

    /** For a {@code call} ({@code what}), whose child keeps the parent's stdio: refuses any other stdio setting. */
    static void refuseStdioSetting(String what, Redirect stdin, Redirect stdout, Redirect stderr,
                                   boolean stderrToStdout) {
        String set = stdin.type() != Redirect.Type.INHERIT ? "withStdin(" + stdin + ")"
            : stdout.type() != Redirect.Type.INHERIT ? "withStdout(" + stdout + ")"
            : stderrToStdout ? "withStderrToStdout()"
            : stderr.type() != Redirect.Type.INHERIT ? "withStderr(" + stderr + ")" : null;
        if (set != null) {
            throw new IllegalArgumentException(what + " keeps the parent's stdin, stdout and stderr (its child"
                + " writes where the parent does, and returns its result over a pipe of its own): " + set
                + " applies to fork and exec only; drop it, or use fork(task, options) for a task whose output"
                + " is redirected");
        }
    }
}
