package dev.jfork.spi;

import dev.jfork.ErrnoException;

/**
 * An optional capability of a {@link ProcessForker}: operations whose child side runs entirely in
 * native code, fork and the child's work in one downcall, the way the JDK's {@code childproc.c}
 * runs exec. Such a child never re-enters Java, so it cannot hang on a JVM lock.
 *
 * <p>In every child made here, SIGTERM, SIGINT and SIGHUP are set back to their default action
 * before anything else runs. It also starts programs without a fork of the JVM ({@link NativeSpawn}).
 */
public interface NativeChildPaths extends NativeSpawn {

    /**
     * Forks a child that arms {@code alarm(alarmSeconds)} (when positive), writes all of
     * {@code bytes} to {@code fd}, then calls {@code _exit(exitCode)}; a failed write ends it with
     * {@code _exit(127)}.
     *
     * @param fd where the child writes
     * @param bytes what it writes
     * @param exitCode its exit code after a complete write
     * @param alarmSeconds the child's own deadline, 0 for none
     * @return the child's pid
     * @throws ErrnoException when fork fails
     */
    int forkWriteAndExit(int fd, byte[] bytes, int exitCode, int alarmSeconds);

    /**
     * Forks a child that arms {@code alarm(alarmSeconds)} (when positive), writes
     * {@code prefix + <its pid in decimal> + suffix} to {@code fd} in one {@code write}, then calls
     * {@code _exit(exitCode)}; a failed write ends it with {@code _exit(127)}.
     *
     * @param fd where the child writes
     * @param prefix the bytes before the pid
     * @param suffix the bytes after the pid, e.g. a newline
     * @param exitCode its exit code after a complete write
     * @param alarmSeconds the child's own deadline, 0 for none
     * @return the child's pid
     * @throws ErrnoException when fork fails
     */
    int forkPrintPidAndExit(int fd, byte[] prefix, byte[] suffix, int exitCode, int alarmSeconds);
}
