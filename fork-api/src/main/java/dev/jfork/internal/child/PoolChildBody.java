package dev.jfork.internal.child;

import dev.jfork.ChildTask;
import dev.jfork.internal.call.CallProtocol;
import dev.jfork.internal.call.Frames;
import dev.jfork.spi.ProcessForker;
import java.util.function.Function;

/**
 * The life of a pool child ({@code dev.jfork.ForkPool}): it waits on its request pipe, runs the pool's
 * function on each argument it is sent, and answers on its response pipe, up to its number of tasks,
 * then waits; the end of the request pipe (the pool let it go, retired it, or closed) ends it with exit
 * code 0. Made in the parent, before the fork.
 */
public final class PoolChildBody implements ChildTask, FailureReporter {
    private final ProcessForker backend;
    private final Function<Object, Object> function;
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
     * @param sampleRequest the pool's last request, or null: rehearsed before the first task
     * @param sampleAnswer the pool's last answer (a value message: {@link CallProtocol#isValue}), or null
     */
    public PoolChildBody(ProcessForker backend, Function<Object, Object> function, int requestFd, int responseFd,
                         int tasks, byte[] sampleRequest, byte[] sampleAnswer) {
        this.backend = backend;
        this.function = function;
        this.requestFd = requestFd;
        this.responseFd = responseFd;
        this.tasks = tasks;
        this.sampleRequest = sampleRequest;
        this.sampleAnswer = sampleAnswer;
    }

    @Override
    public int run() throws Exception {
        rehearse();
        for (int done = 0; done < tasks; done++) {
            byte[] request = Frames.read(backend, requestFd);
            if (request == null) {
                return 0;
            }
            byte[] answer;
            try {
                answer = CallProtocol.encodeValue(function.apply(CallProtocol.deserialize(request)));
            } catch (Throwable t) {
                answer = CallProtocol.encodeThrown(t);
            }
            Frames.write(backend, responseFd, answer);
        }
        // its last task answered, it waits for the pool to let it go (the end of its request pipe), so
        // that its exit does not compete with the submitter for a CPU while the answer is being read
        while (Frames.read(backend, requestFd) != null) {
            // the pool sends a child no more than its number of tasks
        }
        return 0;
    }

    /**
     * While the child waits, it reads and writes messages like the last ones the pool saw, without the
     * function: every page that path writes (its copy-on-write faults cost 15-20 us each on a virtual
     * machine) is copied now rather than while a caller waits, and the classes it needs are seen to load.
     */
    private void rehearse() {
        try {
            if (sampleRequest != null) {
                CallProtocol.encodeValue(CallProtocol.deserialize(sampleRequest));
            }
            if (sampleAnswer != null) {
                CallProtocol.encodeValue(CallProtocol.deserialize(sampleAnswer));
            }
        } catch (Exception | LinkageError e) {
            // only a rehearsal: the task itself reports whatever this would have
        }
    }

    @Override
    public void failedBeforeResult(Throwable failure) {
        try {
            Frames.write(backend, responseFd, CallProtocol.encodeThrown(failure));
        } catch (Throwable ignored) {
            // the exit code and the stack trace on fd 2 still say it
        }
    }
}
