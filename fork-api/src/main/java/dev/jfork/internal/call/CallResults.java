package dev.jfork.internal.call;

import dev.jfork.ChildEnd;
import dev.jfork.ChildFailureException;
import dev.jfork.ChildTaskException;

/** Turns what a {@code call} child sent back, and how it ended, into its result or an exception. */
public final class CallResults {
    /** What deadlocks a child, and what to do about each; shared by every message that reports one. */
    public static final String DEADLOCK_CAUSES = "A child has one thread, so a wait only another thread could end"
        + " never ends. Likely causes: (1) a garbage collection: the task allocated more than the young generation"
        + " had free at the fork; allocate less, or give children room (-D" + "fork.minFreeEdenMb, or a larger -Xmn);"
        + " (2) a class used for the first time in the child (its loading needs the VM thread); preload it in the"
        + " parent with Forker.preload(MyClass.class); (3) a lock another thread held at the fork; take it in a"
        + " ForkHooks before hook, or fork when that thread is idle; (4) a wait nobody can end: Object.wait, park,"
        + " a Future, or a thread pool made in the parent (its threads do not exist in the child).";

    private CallResults() {
    }

    public static <T> T decode(byte[] message, ChildEnd end, long pid, String endDescription) {
        return decode(message, end, pid, endDescription, TaskLoaders.JFORK);
    }

    /**
     * Turns a {@code call} child's answer and end into its result or an exception; what the answer holds
     * is resolved with {@code loaders}. User code runs here (a result's {@code readObject} and
     * {@code readResolve}, an exception's constructor): never call it holding a lock of jfork's.
     *
     * @param message the answer, empty when the child sent none
     * @param end how the child ended
     * @param pid the child
     * @param endDescription how its end is told in a failure's message
     * @param loaders the task's class loaders
     * @param <T> the result type
     * @return the result
     */
    public static <T> T decode(byte[] message, ChildEnd end, long pid, String endDescription, TaskLoaders loaders) {
        if (end.kind() == ChildEnd.Kind.DEADLOCKED) {
            // the description says when, and why or what may cause it
            throw new ChildFailureException("jfork: child " + pid + " deadlocked" + endDescription, pid, end, null);
        }
        if (end.kind() == ChildEnd.Kind.HUNG) {
            throw new ChildFailureException("jfork: child " + pid + " " + endDescription
                + "; the task gave no result", pid, end, null);
        }
        if (end.kind() == ChildEnd.Kind.SIGNALED) {
            throw new ChildFailureException("jfork: child " + pid + " was " + end + " before its task returned a result",
                pid, end, null);
        }
        if (message.length == 0) {
            throw new ChildFailureException("jfork: child " + pid + " " + end + " without sending a result", pid, end, null);
        }
        return decodeAnswer(message, end, pid, loaders);
    }

    /**
     * Turns a child's answer into the task's result or the exception it threw; for a pool child, which
     * is still running when its answer comes.
     *
     * @param message the answer, not empty
     * @param end how the child ended, or null while it runs
     * @param pid the child
     * @param <T> the result type
     * @return the result
     */
    public static <T> T decodeAnswer(byte[] message, ChildEnd end, long pid) {
        return decodeAnswer(message, end, pid, TaskLoaders.JFORK);
    }

    /**
     * Like {@link #decodeAnswer(byte[], ChildEnd, long)}, resolving classes with {@code loaders}.
     *
     * @param message the answer, not empty
     * @param end how the child ended, or null while it runs
     * @param pid the child
     * @param loaders the task's class loaders
     * @param <T> the result type
     * @return the result
     */
    @SuppressWarnings("unchecked")
    public static <T> T decodeAnswer(byte[] message, ChildEnd end, long pid, TaskLoaders loaders) {
        switch (message[0]) {
            case CallProtocol.VALUE:
            case CallProtocol.PLAIN:
                return (T) read(message, pid, end, true, loaders);
            case CallProtocol.THREW:
                Throwable thrown = (Throwable) read(message, pid, end, false, loaders);
                throw new ChildFailureException("jfork: the task in child " + pid + " threw " + describe(thrown), pid,
                    end, thrown);
            case CallProtocol.RESULT_FAILED:
                Object[] failure = readResultFailure(message, pid, end, loaders);
                Throwable cause = (Throwable) failure[1];
                throw new ChildFailureException("jfork: the task in child " + pid + " returned a " + failure[0]
                    + " that could not be sent back: its serialisation threw " + describe(cause), pid, end, cause);
            case CallProtocol.THREW_TEXT:
                throw new ChildFailureException("jfork: the task in child " + pid
                    + " threw an exception that cannot be sent back:\n" + CallProtocol.text(message), pid, end, null);
            default:
                throw new ChildFailureException("jfork: child " + pid + ": " + CallProtocol.text(message), pid, end, null);
        }
    }

    private static Object read(byte[] message, long pid, ChildEnd end, boolean value, TaskLoaders loaders) {
        try {
            return value ? CallProtocol.deserialize(message, loaders) : CallProtocol.decodeThrown(message, loaders);
        } catch (java.io.IOException | ClassNotFoundException | RuntimeException | StackOverflowError e) {
            // StackOverflowError: a result nested deeper than this thread's stack can read back
            throw new ChildFailureException("jfork: the result of child " + pid + " could not be read: " + e, pid, end, e);
        }
    }

    private static Object[] readResultFailure(byte[] message, long pid, ChildEnd end, TaskLoaders loaders) {
        try {
            return CallProtocol.decodeResultFailure(message, loaders);
        } catch (java.io.IOException | RuntimeException e) {
            throw new ChildFailureException("jfork: the answer of child " + pid + " could not be read: " + e, pid, end, e);
        }
    }

    /** The class the child threw (not the stand-in's), and its message. */
    private static String describe(Throwable thrown) {
        String type = thrown instanceof ChildTaskException
            ? ((ChildTaskException) thrown).originalClassName() : thrown.getClass().getName();
        String simple = type.substring(type.lastIndexOf('.') + 1);
        String message = thrown instanceof ChildTaskException ? childMessage((ChildTaskException) thrown)
            : thrown.getMessage();
        return message == null ? simple : simple + ": " + message;
    }

    private static String childMessage(ChildTaskException stand) {
        String full = stand.getMessage();
        String prefix = stand.originalClassName() + ": ";
        return full.startsWith(prefix) ? full.substring(prefix.length()) : null;
    }
}
