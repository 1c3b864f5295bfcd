package dev.jfork.internal.child;

import dev.jfork.internal.launch.HookRegistry;

/**
 * What the child sets up before its task: the descriptors it closes (those of {@link #closeInChild},
 * and every jfork descriptor of {@link #inherited} that is not in {@link #keep}), the ones it moves to
 * 0, 1 and 2, its alarm, the pipe on which it waits for the parent's go and commit bytes and the one
 * on which it sends its start byte, and the pid of the parent it must outlive no longer than it lives.
 */
public final class ChildPlan {
    private static final long[] NONE = new long[0];

    public final int[] closeInChild;
    public final int[] dupFrom;
    public final int[] dupTo;
    public final int handshakeFd;
    public final int goFd;
    public final int alarmSeconds;
    public final boolean javaChild;
    public final Object[] afterInChildHooks;
    public final int[] keep;
    public final int parentPid;
    /** jfork's open descriptors at the fork; set under {@code OwnedFds.LOCK} right before it. */
    public long[] inherited = NONE;
    /**
     * Whether the child looks at the VM's chunk-pool lock before its start byte ({@code InheritedLocks});
     * set before the fork. After a few children in a row found it held, the next goes ahead unchecked:
     * it may not need the lock at all, and one that does is reported deadlocked within a second.
     */
    public boolean checkInheritedLocks = true;
    /**
     * Whether the child starts HotSpot's VM thread again before its start byte ({@code -Dfork.childRuntime=vm},
     * {@code VmRevival}); set in the parent, for a real Java child only, never for the parent's warm-up.
     */
    public boolean startVmThread;

    /**
     * A plan for a real child.
     *
     * @param closeInChild descriptors to close first
     * @param dupFrom descriptors to move ...
     * @param dupTo ... to these numbers
     * @param handshakeFd where the start byte goes
     * @param goFd where the go and commit bytes come from
     * @param alarmSeconds the child's own deadline, 0 for none
     * @param javaChild whether the child runs the user's Java (hooks, streams of its own)
     * @param keepAlso further descriptors the child keeps (a {@code call}'s result pipe), or null
     * @param parentPid the parent's pid: a child whose parent already died ends at once
     */
    public ChildPlan(int[] closeInChild, int[] dupFrom, int[] dupTo, int handshakeFd, int goFd, int alarmSeconds,
                     boolean javaChild, int[] keepAlso, int parentPid) {
        this(closeInChild, dupFrom, dupTo, handshakeFd, goFd, alarmSeconds, javaChild,
            HookRegistry.afterInChildSnapshot(), keepAlso, parentPid);
    }

    /**
     * A plan with the hooks given, for the warm-up.
     *
     * @param closeInChild descriptors to close first
     * @param dupFrom descriptors to move ...
     * @param dupTo ... to these numbers
     * @param handshakeFd where the start byte goes
     * @param goFd where the go and commit bytes come from
     * @param alarmSeconds the child's own deadline, 0 for none
     * @param javaChild whether the child runs the user's Java
     * @param afterInChildHooks the hooks to run
     * @param keepAlso further descriptors the child keeps, or null
     * @param parentPid the parent's pid, or 0 to set no parent-death signal
     */
    public ChildPlan(int[] closeInChild, int[] dupFrom, int[] dupTo, int handshakeFd, int goFd, int alarmSeconds,
                     boolean javaChild, Object[] afterInChildHooks, int[] keepAlso, int parentPid) {
        this.afterInChildHooks = afterInChildHooks;
        this.closeInChild = closeInChild;
        this.dupFrom = dupFrom;
        this.dupTo = dupTo;
        this.handshakeFd = handshakeFd;
        this.goFd = goFd;
        this.alarmSeconds = alarmSeconds;
        this.javaChild = javaChild;
        this.parentPid = parentPid;
        int extra = keepAlso == null ? 0 : keepAlso.length;
        int[] kept = new int[2 + dupFrom.length + extra];
        kept[0] = handshakeFd;
        kept[1] = goFd;
        System.arraycopy(dupFrom, 0, kept, 2, dupFrom.length);
        if (extra > 0) {
            System.arraycopy(keepAlso, 0, kept, 2 + dupFrom.length, extra);
        }
        this.keep = kept;
    }
}
