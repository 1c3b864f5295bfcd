package dev.jfork;

import dev.jfork.spi.ProcessForker;

/** How a {@link ForkPool} submitter waits for its child's answer without missing an interrupt. */
final class PoolWaits {
    /**
     * How long each {@code poll} of the response pipe lasts: an interrupt is seen within it. An answer
     * ends the poll at once, so it costs a task nothing.
     */
    static final int POLL_MILLIS = 20;
    private static final int READY = ProcessForker.POLLIN | ProcessForker.POLLHUP | ProcessForker.POLLERR
        | ProcessForker.POLLNVAL;

    private PoolWaits() {
    }

    /**
     * Waits until {@code fd} can be read (an answer, or the child's end), or this thread is interrupted.
     * A backend without {@code poll} is read at once, as before (not interruptible).
     *
     * @return true when it can be read; false when interrupted (the interrupt status is cleared)
     */
    static boolean awaitAnswer(ProcessForker backend, int fd) {
        while (true) {
            if (Thread.interrupted()) {
                return false;
            }
            int events;
            try {
                events = backend.poll(fd, ProcessForker.POLLIN, POLL_MILLIS);
            } catch (UnsupportedOperationException noPoll) {
                return true;
            }
            if ((events & READY) != 0) {
                return true;
            }
        }
    }
}
