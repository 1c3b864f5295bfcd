package dev.jfork.internal.launch;

import dev.jfork.ForkOptions;
import dev.jfork.internal.child.ChildPlan;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.spi.ProcessForker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The pipes for one child's stdio, as its {@link ForkOptions} ask: made, handed out, closed. */
final class ChildStdio {
    private final ProcessForker backend;
    private final int[] in;
    private final int[] out;
    private final int[] err;
    final int childIn;
    final int childOut;
    final int childErr;

    private ChildStdio(ProcessForker backend, int[] in, int[] out, int[] err) {
        this.backend = backend;
        this.in = in;
        this.out = out;
        this.err = err;
        this.childIn = in == null ? -1 : in[0];
        this.childOut = out == null ? -1 : out[1];
        this.childErr = err == null ? -1 : err[1];
    }

    static ChildStdio open(ProcessForker backend, ForkOptions options) {
        List<int[]> made = new ArrayList<>();
        try {
            int[] in = options.stdin() == ForkOptions.Stdio.PIPE ? track(made, OwnedFds.pipe(backend)) : null;
            int[] out = options.stdout() == ForkOptions.Stdio.PIPE ? track(made, OwnedFds.pipe(backend)) : null;
            int[] err = options.stderr() == ForkOptions.Stdio.PIPE ? track(made, OwnedFds.pipe(backend)) : null;
            return new ChildStdio(backend, in, out, err);
        } catch (RuntimeException e) {
            for (int[] p : made) {
                OwnedFds.closeQuietly(backend, p[0]);
                OwnedFds.closeQuietly(backend, p[1]);
            }
            throw e;
        }
    }

    private static int[] track(List<int[]> made, int[] pipe) {
        made.add(pipe);
        return pipe;
    }

    /**
     * The child's plan: it keeps its own ends (and {@code keepAlso}); every other descriptor of
     * jfork's, the parent's ends of these pipes included, is closed in it.
     */
    ChildPlan plan(int[] handshake, int[] go, int[] keepAlso, int alarmSeconds, boolean javaChild, int parentPid) {
        List<int[]> dups = new ArrayList<>();
        if (in != null) {
            dups.add(new int[] {in[0], 0});
        }
        if (out != null) {
            dups.add(new int[] {out[1], 1});
        }
        if (err != null) {
            dups.add(new int[] {err[1], 2});
        }
        int[] from = dups.stream().mapToInt(d -> d[0]).toArray();
        int[] to = dups.stream().mapToInt(d -> d[1]).toArray();
        return new ChildPlan(new int[0], from, to, handshake[1], go[0], alarmSeconds, javaChild, keepAlso, parentPid);
    }

    void closeChildEnds() {
        closeOnce(in, 0);
        closeOnce(out, 1);
        closeOnce(err, 1);
    }

    void closeParentEnds() {
        closeOnce(in, 1);
        closeOnce(out, 0);
        closeOnce(err, 0);
    }

    /** Closes whatever is still open, ignoring failures. */
    void closeAll() {
        for (int[] p : new int[][] {in, out, err}) {
            for (int end = 0; p != null && end < 2; end++) {
                if (p[end] >= 0) {
                    int fd = p[end];
                    p[end] = -1;
                    OwnedFds.closeQuietly(backend, fd);
                }
            }
        }
    }

    /** Closes one end once; after that its number may be another thread's, so it is forgotten. */
    private void closeOnce(int[] pipe, int end) {
        if (pipe != null && pipe[end] >= 0) {
            int fd = pipe[end];
            pipe[end] = -1;
            OwnedFds.close(backend, fd);
        }
    }

    LaunchedChild launched(int pid, Duration deadline, boolean alarmArmed, boolean javaChild) {
        return new LaunchedChild(pid, deadline, alarmArmed, in == null ? -1 : in[1], out == null ? -1 : out[0],
            err == null ? -1 : err[0], javaChild);
    }
}
