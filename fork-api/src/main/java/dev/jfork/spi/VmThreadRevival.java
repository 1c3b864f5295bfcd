package dev.jfork.spi;

/**
 * The results of {@link ProcessForker#startVmThread(long[], long[], boolean)}: {@link #OK}, or a check
 * that failed, in the high 16 bits, with a detail (the index of the mutex, or an errno) in the low 16.
 * jfork's child runtime ({@code -Dfork.childRuntime=vm}, see {@link dev.jfork.ChildRuntimeReport}) turns
 * them into the reason it reports.
 */
public final class VmThreadRevival {
    /** Checked (and, when asked to start, renewed and started). */
    public static final int OK = 0;
    /** The arguments are not what the method takes. */
    public static final int BAD_ARGUMENTS = 1;
    /** A mutex (the detail: its index) cannot be read. */
    public static final int UNREADABLE = 2;
    /** A free mutex's pthread mutex (the detail: its index) is not one of HotSpot's kind. */
    public static final int MUTEX_KIND = 3;
    /** A free mutex's condition variable (the detail: its index) does not use HotSpot's clock. */
    public static final int COND_CLOCK = 4;
    /** {@code VMThread::_vm_thread} is null or cannot be read. */
    public static final int NO_VM_THREAD = 5;
    /** {@code pthread_create} failed (the detail: its errno). */
    public static final int THREAD_FAILED = 6;
    /** The pthread attributes could not be made. */
    public static final int ATTRIBUTES = 7;
    /** The backend cannot do it (only jni can). */
    public static final int UNSUPPORTED = 8;
    /**
     * One of the words that must be zero at an idle moment is not (the detail: its index among them): the
     * VM thread had an operation, or a safepoint was under way, at the fork.
     */
    public static final int BUSY = 9;
    /**
     * The thread was started, but not seen idle in its wait for an operation within 2 s (it clears the
     * queued operation when it gets there, so the child waits for that before it asks for one).
     */
    public static final int NOT_SEEN_IDLE = 10;
    /**
     * A Java thread of the parent (the detail: its index in HotSpot's thread list) was neither blocked nor in
     * native code at the fork: no safepoint or handshake could complete in the child, so nothing was started.
     */
    public static final int THREAD_UNSAFE = 11;

    /** The layout words {@code startVmThread} takes first; then pairs of (address, 4 or 8) words that must be 0. */
    public static final int LAYOUT_WORDS = 17;
    /** At most this many pairs of words that must be 0. */
    public static final int MAX_IDLE_WORDS = 16;

    private VmThreadRevival() {
    }

    /**
     * @param result a result
     * @return its check: {@link #OK}, {@link #UNREADABLE}, ...
     */
    public static int check(int result) {
        return result >>> 16;
    }

    /**
     * @param result a result
     * @return its detail: a mutex's index, an errno, or 0
     */
    public static int detail(int result) {
        return result & 0xffff;
    }
}
