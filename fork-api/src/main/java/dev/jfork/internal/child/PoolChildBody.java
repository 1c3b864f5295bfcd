package dev.jfork.internal.child;

import dev.jfork.ChildTask;
import dev.jfork.internal.call.CallProtocol;
import dev.jfork.internal.call.Frames;
import dev.jfork.internal.call.TaskLoaders;
import dev.jfork.internal.vm.EdenHeadroom;
import dev.jfork.spi.ProcessForker;
import java.util.function.Function;

/**
 * The life of a pool child ({@code dev.jfork.ForkPool}): it waits on its request pipe, runs the pool's
 * function on each argument it is sent, and answers on its response pipe, up to its number of tasks,
 * then waits; the end of the request pipe (the pool let it go, retired it, or closed) ends it with exit
 * code 0. Made in the parent, before the fork.
 *
 * <p>Each answer's frame begins with a status byte, {@link #MORE} or {@link #LAST}: a child with tasks left
 * says {@code LAST} when the eden it has left falls below what a task needs (twice the most one task
 * allocated so far, plus {@link #RETIRE_SLACK_BYTES}), since it has no collector and an allocation past
 * its eden waits for ever; the pool then gives it no other task. What is left is the eden it could fill
 * when it began ({@link EdenHeadroom#roomBytes}: the collector's report less what that overstates) minus
 * what its one thread allocated since, counted exactly by the JVM. Where the JVM reports either not, a child
 * runs all its tasks, as before.
 */
public final class PoolChildBody implements ChildTask, FailureReporter {
    /** An answer's status: the child can run another task. */
    public static final byte MORE = 0;
    /** An answer's status: the child runs no other task (its last, or too little eden left). */
    public static final byte LAST = 1;
    /** Eden kept beyond twice the most one task allocated: a TLAB's waste, the answer's frame. */
    static final long RETIRE_SLACK_BYTES = 1L << 20;

    private final ProcessForker backend;
    private final Function<Object, Object> function;
    private final TaskLoaders loaders;
    private final int requestFd;
    private final int responseFd;
    private final int tasks;
    private final byte[] sampleRequest;
    private final byte[] sampleAnswer;

    /**
     * @param backend the backend
     * @param function the pool's function
     * @param requestFd the read end of the request pipe
     * @param responseFd the write end of the response pipe
     * @param tasks how many tasks this child runs before it ends
     * @param sampleRequest the pool's last plain request ({@link CallProtocol#isPlain}: JDK types only, so
     *     no user {@code readObject} runs), or null: rehearsed before the first task
     * @param sampleAnswer the pool's last plain answer, or null
     */
    public PoolChildBody(ProcessForker backend, Function<Object, Object> function, int requestFd, int responseFd,
                         int tasks, byte[] sampleRequest, byte[] sampleAnswer) {
        this.backend = backend;
        this.function = function;
        // made here, in the parent: the child resolves the arguments' classes as the parent did
        this.loaders = TaskLoaders.of(function);
        this.requestFd = requestFd;
        this.responseFd = responseFd;
        this.tasks = tasks;
        this.sampleRequest = sampleRequest;
        this.sampleAnswer = sampleAnswer;
    }

    @Override
    public int run() throws Exception {
        long room = EdenHeadroom.roomBytes();
        long allocatedAtStart = EdenHeadroom.allocatedByThisThread();
        long budget = room == Long.MIN_VALUE || allocatedAtStart < 0 ? -1 : Math.max(0, room);
        rehearse();
        long mostUsed = 0;
        for (int done = 0; done < tasks; done++) {
            byte[] request = Frames.read(backend, requestFd);
            if (request == null) {
                return 0;
            }
            long allocatedBefore = EdenHeadroom.allocatedByThisThread();
            byte[] answer;
            try {
                answer = CallProtocol.encodeValue(function.apply(CallProtocol.deserialize(request, loaders)));
            } catch (Throwable t) {
                answer = CallProtocol.encodeThrown(t);
            }
            long allocatedAfter = EdenHeadroom.allocatedByThisThread();
            boolean last = done + 1 >= tasks;
            if (!last && budget >= 0) {
                mostUsed = Math.max(mostUsed, allocatedAfter - allocatedBefore);
                // retired before a task finds no room: each task alone fits in what it had at the fork
                last = budget - (allocatedAfter - allocatedAtStart) < 2 * mostUsed + RETIRE_SLACK_BYTES;
            }
            Frames.write(backend, responseFd, framed(last, answer));
            if (last) {
                break;
            }
        }
        // its last task answered, it waits for the pool to let it go (the end of its request pipe), so
        // that its exit does not compete with the submitter for a CPU while the answer is being read
        while (Frames.read(backend, requestFd) != null) {
            // the pool sends a child no more than its number of tasks
        }
        return 0;
    }

    /** The answer behind its status byte. */
    private static byte[] framed(boolean last, byte[] answer) {
        byte[] frame = new byte[answer.length + 1];
        frame[0] = last ? LAST : MORE;
        System.arraycopy(answer, 0, frame, 1, answer.length);
        return frame;
    }

    /**
     * While the child waits, it reads and writes messages like the last ones the pool saw, without the
     * function: every page that path writes (its copy-on-write faults cost 15-20 us each on a virtual
     * machine) is copied now rather than while a caller waits, and the classes it needs are seen to load.
     */
    private void rehearse() {
        try {
            if (sampleRequest != null) {
                CallProtocol.encodeValue(CallProtocol.deserialize(sampleRequest, loaders));
            }
            if (sampleAnswer != null) {
                CallProtocol.encodeValue(CallProtocol.deserialize(sampleAnswer, loaders));
            }
        } catch (Exception | LinkageError e) {
            // only a rehearsal: the task itself reports whatever this would have
        }
    }

    @Override
    public void failedBeforeResult(Throwable failure) {
        try {
            Frames.write(backend, responseFd, framed(true, CallProtocol.encodeThrown(failure)));
        } catch (Throwable ignored) {
            // the exit code and the stack trace on fd 2 still say it
        }
    }
}
