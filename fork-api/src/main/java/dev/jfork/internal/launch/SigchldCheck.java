package dev.jfork.internal.launch;

import dev.jfork.Signals;
import dev.jfork.internal.io.ProcFile;
import dev.jfork.spi.ProcessForker;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SIGCHLD ignored ({@code SIG_IGN}: inherited from a supervisor or a shell's {@code trap '' CHLD}, or
 * set by a native library) makes the kernel reap every child itself: no wait can say how one ended,
 * each fails with {@code ECHILD}. jfork looks at each fork (one {@code sigaction} query, or the
 * {@code SigIgn} mask of {@code /proc/self/status}) and sets SIGCHLD back to its default, with a
 * warning logged once: the JVM relies on no disposition of SIGCHLD (the JDK's {@code Process} reaps
 * each of its children with {@code waitpid}), so only native code that ignored SIGCHLD to have its own
 * children reaped for it loses by it (they stay zombies until it waits), while refusing to fork would
 * make jfork unusable under a supervisor the application cannot change. A child reaped by the kernel
 * anyway (SIGCHLD ignored again after the fork) ends as {@link dev.jfork.ChildEnd.Kind#UNKNOWN}.
 */
public final class SigchldCheck {
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private SigchldCheck() {
    }

    /**
     * Before a fork: SIGCHLD back to {@code SIG_DFL} if it is ignored.
     *
     * @param backend the backend
     * @return whether it was ignored (and is no longer)
     */
    static boolean atFork(ProcessForker backend) {
        try {
            if (!backend.signalIgnored(Signals.SIGCHLD)) {
                return false;
            }
            backend.resetSignal(Signals.SIGCHLD);
        } catch (RuntimeException e) {
            // the fork goes ahead as it would without the check; a child the kernel reaps ends UNKNOWN
            if (WARNED.compareAndSet(false, true)) {
                System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: could not look at or reset"
                    + " SIGCHLD's disposition (" + e + "); if it is ignored, children's ends will be unknown", e);
            }
            return false;
        }
        if (WARNED.compareAndSet(false, true)) {
            System.getLogger("dev.jfork").log(System.Logger.Level.WARNING, "jfork: SIGCHLD was ignored (SIG_IGN) in"
                + " this process: inherited (a supervisor, a shell's trap '' CHLD) or set by a native library. The"
                + " kernel then reaps every child itself, so no wait can tell how one ended (ECHILD). jfork set"
                + " SIGCHLD back to its default (SIG_DFL) and does so at each fork; native code that relied on"
                + " SIG_IGN to have its own children reaped must now wait for them. Start the JVM with SIGCHLD at"
                + " its default to avoid this.");
        }
        return true;
    }

    /**
     * Whether {@code signal} is in the {@code SigIgn} mask of {@code /proc/self/status}.
     *
     * @param signal the signal, 1 to 64
     * @return true when ignored; false when it is not, or when the file cannot be read
     */
    public static boolean ignoredInThisProcess(int signal) {
        if (signal < 1 || signal > 64) {
            throw new IllegalArgumentException("a signal number is 1 to 64, not " + signal);
        }
        byte[] buffer = ProcFile.buffer();
        int length;
        try {
            length = ProcFile.read("/proc/self/status", buffer);
        } catch (IOException e) {
            return false;
        }
        int at = ProcFile.statusValue(buffer, length, "SigIgn:");
        if (at < 0) {
            return false;
        }
        // 16 hex digits, the highest signal first: signal n is bit n - 1
        int digit = at + 15 - (signal - 1) / 4;
        if (digit >= length) {
            return false;
        }
        int value = Character.digit(buffer[digit], 16);
        return value >= 0 && (value & (1 << ((signal - 1) % 4))) != 0;
    }
}
