package dev.jfork;

/**
 * What {@link Forker#hugePagesForHeap()} did.
 *
 * @param heapMb the committed heap advised to use huge pages, in MB
 * @param hugeMbBefore this process's anonymous memory on huge pages before ({@code AnonHugePages} of
 *     {@code /proc/self/smaps_rollup}), in MB
 * @param hugeMbAfter the same after, in MB
 * @param collapsed whether the resident heap was collapsed at once ({@code MADV_COLLAPSE}, Linux 6.1+), as
 *     {@code AnonHugePages} shows: {@code false} when the kernel accepted the advice but nothing grew
 * @param millis how long it took, in ms
 * @param note what happened, in words
 */
public record HugePageReport(long heapMb, long hugeMbBefore, long hugeMbAfter, boolean collapsed, long millis,
                             String note) {
    @Override
    public String toString() {
        return "jfork: " + heapMb + " MB of heap advised to use huge pages; " + note + "; this process's memory on"
            + " huge pages: " + hugeMbBefore + " MB before, " + hugeMbAfter + " MB after, in " + millis + " ms";
    }
}
