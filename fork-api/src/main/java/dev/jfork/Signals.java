package dev.jfork;

/**
 * Linux signal numbers that jfork uses (the same on x86_64 and aarch64), with their names.
 */
public final class Signals {
    /** Hangup. */
    public static final int SIGHUP = 1;
    /** Interrupt from the keyboard. */
    public static final int SIGINT = 2;
    /** Quit from the keyboard. */
    public static final int SIGQUIT = 3;
    /** Abort. */
    public static final int SIGABRT = 6;
    /** Kill; cannot be caught or ignored. */
    public static final int SIGKILL = 9;
    /** Segmentation fault. */
    public static final int SIGSEGV = 11;
    /** Broken pipe. */
    public static final int SIGPIPE = 13;
    /** Timer from {@code alarm(2)}. */
    public static final int SIGALRM = 14;
    /** Termination request. */
    public static final int SIGTERM = 15;
    /** Child stopped or ended. */
    public static final int SIGCHLD = 17;
    /** Continue if stopped. */
    public static final int SIGCONT = 18;
    /** Stop; cannot be caught or ignored. */
    public static final int SIGSTOP = 19;

    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
        "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT",
        "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
        "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };

    private Signals() {
    }

    /**
     * The name of a signal number.
     *
     * @param signal the number
     * @return e.g. {@code "SIGTERM"}, or {@code "SIG<n>"} for real-time and unknown signals
     */
    public static String name(int signal) {
        return signal > 0 && signal < NAMES.length ? NAMES[signal] : "SIG" + signal;
    }
}
