package dev.jfork.spi;

import dev.jfork.ErrnoException;

/**
 * An optional capability of a backend: {@code madvise(2)} on this process's own memory, which jfork
 * uses to put a live Java heap on transparent huge pages at run time (a fork then copies one page-table
 * entry per 2 MB instead of 512). All of jfork's backends have it.
 */
public interface MemoryAdvice {
    /** {@code MADV_HUGEPAGE}: back this range with huge pages when the kernel can (THP mode {@code madvise}). */
    int MADV_HUGEPAGE = 14;
    /** {@code MADV_COLLAPSE} (Linux 6.1+): collapse what is resident in this range into huge pages now. */
    int MADV_COLLAPSE = 25;

    /**
     * {@code madvise(address, length, advice)}.
     *
     * @param address the start, page-aligned
     * @param length the length in bytes
     * @param advice e.g. {@link #MADV_HUGEPAGE}
     * @throws ErrnoException when it fails: {@code EINVAL} for an advice this kernel does not know,
     *     {@code EAGAIN} when {@link #MADV_COLLAPSE} could not collapse everything, ...
     */
    void madvise(long address, long length, int advice);
}
