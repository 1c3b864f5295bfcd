package dev.jfork;

/** What the child sets up before its task: descriptors to close and to move, its alarm, its handshake pipe. */
final class ChildPlan {
    final int[] closeInChild;
    final int[] dupFrom;
    final int[] dupTo;
    final int handshakeFd;
    final int alarmSeconds;
    final boolean javaChild;
    final Object[] afterInChildHooks;

    ChildPlan(int[] closeInChild, int[] dupFrom, int[] dupTo, int handshakeFd, int alarmSeconds, boolean javaChild) {
        this(closeInChild, dupFrom, dupTo, handshakeFd, alarmSeconds, javaChild, ForkHooks.afterInChildSnapshot());
    }

    ChildPlan(int[] closeInChild, int[] dupFrom, int[] dupTo, int handshakeFd, int alarmSeconds, boolean javaChild,
              Object[] afterInChildHooks) {
        this.afterInChildHooks = afterInChildHooks;
        this.closeInChild = closeInChild;
        this.dupFrom = dupFrom;
        this.dupTo = dupTo;
        this.handshakeFd = handshakeFd;
        this.alarmSeconds = alarmSeconds;
        this.javaChild = javaChild;
    }
}
