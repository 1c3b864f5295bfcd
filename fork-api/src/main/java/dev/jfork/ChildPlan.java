package dev.jfork;

/**
 * What the child sets up before its task: descriptors to close and to move, its alarm, the pipe on which
 * it waits for the parent's go and the one on which it sends its start byte.
 */
final class ChildPlan {
    final int[] closeInChild;
    final int[] dupFrom;
    final int[] dupTo;
    final int handshakeFd;
    final int goFd;
    final int alarmSeconds;
    final boolean javaChild;
    final Object[] afterInChildHooks;

    ChildPlan(int[] closeInChild, int[] dupFrom, int[] dupTo, int handshakeFd, int goFd, int alarmSeconds,
              boolean javaChild) {
        this(closeInChild, dupFrom, dupTo, handshakeFd, goFd, alarmSeconds, javaChild,
            ForkHooks.afterInChildSnapshot());
    }

    ChildPlan(int[] closeInChild, int[] dupFrom, int[] dupTo, int handshakeFd, int goFd, int alarmSeconds,
              boolean javaChild, Object[] afterInChildHooks) {
        this.afterInChildHooks = afterInChildHooks;
        this.closeInChild = closeInChild;
        this.dupFrom = dupFrom;
        this.dupTo = dupTo;
        this.handshakeFd = handshakeFd;
        this.goFd = goFd;
        this.alarmSeconds = alarmSeconds;
        this.javaChild = javaChild;
    }
}
