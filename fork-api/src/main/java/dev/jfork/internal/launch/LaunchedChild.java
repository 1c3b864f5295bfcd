package dev.jfork.internal.launch;

import java.time.Duration;

/**
 * A child that {@link ForkLauncher} made and that started: its pid, its deadline, and the parent's
 * ends of its stdio pipes, each {@code -1} where the child inherited the parent's descriptor.
 *
 * @param pid the child's pid
 * @param deadline its deadline, or null for none
 * @param alarmArmed whether the child armed {@code alarm} for the deadline (a SIGALRM end is then a hang)
 * @param stdinFd the write end of the child's stdin pipe, or -1
 * @param stdoutFd the read end of its stdout pipe, or -1
 * @param stderrFd the read end of its stderr pipe, or -1
 * @param javaChild whether the child runs Java (and so is watched for a deadlock)
 * @param pidfd the child's pidfd ({@link ChildPidfd}), owned by whoever reaps it, or -1
 */
public record LaunchedChild(int pid, Duration deadline, boolean alarmArmed, int stdinFd, int stdoutFd, int stderrFd,
                            boolean javaChild, int pidfd) {
    /** A child without a pidfd (the raw child's own answer, {@link ForkLauncher#IN_CHILD}). */
    LaunchedChild(int pid, Duration deadline, boolean alarmArmed, int stdinFd, int stdoutFd, int stderrFd,
                  boolean javaChild) {
        this(pid, deadline, alarmArmed, stdinFd, stdoutFd, stderrFd, javaChild, -1);
    }
}
