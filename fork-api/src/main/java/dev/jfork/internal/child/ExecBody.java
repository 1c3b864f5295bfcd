package dev.jfork.internal.child;

import dev.jfork.ChildTask;
import dev.jfork.spi.ProcessForker;

/** The Java child path of {@code Forker.exec}: mark every other descriptor close-on-exec, then exec. */
public final class ExecBody implements ChildTask {
    private final ProcessForker backend;
    private final String[] argv;
    private final int lowestFdToClose;

    public ExecBody(ProcessForker backend, String[] argv, int lowestFdToClose) {
        this.backend = backend;
        this.argv = argv;
        this.lowestFdToClose = lowestFdToClose;
    }

    public String program() {
        return argv[0];
    }

    @Override
    public int run() {
        backend.closeOnExecFrom(lowestFdToClose);
        backend.execvp(argv[0], argv);
        return ChildRuntime.EXIT_EXEC_FAILED;
    }
}
