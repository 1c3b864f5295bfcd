package dev.jfork;

/** Turns what a {@code call} child sent back, and how it ended, into its result or an exception. */
final class CallResults {
    private CallResults() {
    }

    @SuppressWarnings("unchecked")
    static <T> T decode(byte[] message, ChildEnd end, ForkedProcess child) {
        long pid = child.pid();
        if (end.kind() == ChildEnd.Kind.HUNG) {
            throw new ChildFailureException("jfork: child " + pid + " " + end.describe(child.deadline().orElse(null))
                + "; the task gave no result", pid, end, null);
        }
        if (end.kind() == ChildEnd.Kind.SIGNALED) {
            throw new ChildFailureException("jfork: child " + pid + " was " + end + " before its task returned a result",
                pid, end, null);
        }
        if (message.length == 0) {
            throw new ChildFailureException("jfork: child " + pid + " " + end + " without sending a result", pid, end, null);
        }
        switch (message[0]) {
            case CallProtocol.VALUE:
                return (T) read(message, pid, end, true);
            case CallProtocol.THREW:
                Throwable thrown = (Throwable) read(message, pid, end, false);
                throw new ChildFailureException("jfork: the task in child " + pid + " threw " + thrown, pid, end, thrown);
            case CallProtocol.THREW_TEXT:
                throw new ChildFailureException("jfork: the task in child " + pid
                    + " threw an exception that cannot be sent back:\n" + CallProtocol.text(message), pid, end, null);
            default:
                throw new ChildFailureException("jfork: child " + pid + ": " + CallProtocol.text(message), pid, end, null);
        }
    }

    private static Object read(byte[] message, long pid, ChildEnd end, boolean value) {
        try {
            return value ? CallProtocol.deserialize(message) : CallProtocol.decodeThrown(message);
        } catch (java.io.IOException | ClassNotFoundException | RuntimeException e) {
            throw new ChildFailureException("jfork: the result of child " + pid + " could not be read: " + e, pid, end, e);
        }
    }
}
