package dev.jfork.internal.launch;

import dev.jfork.ForkOptions;
import dev.jfork.internal.child.ChildPlan;
import dev.jfork.internal.io.OwnedFds;
import dev.jfork.internal.vm.VmRevival;
import dev.jfork.spi.OpenFlags;
import dev.jfork.spi.ProcessForker;
import java.lang.ProcessBuilder.Redirect;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One child's stdio, as its {@link ForkOptions} ask: the pipes made and the files opened by the parent,
 * handed to the child, then closed.
 */
final class ChildStdio {
    /** {@code 0666}: a file created for output gets the umask's permissions, as with a shell's {@code >}. */
    private static final int CREATE_MODE = 0666;

    private final ProcessForker backend;
    private final int[] in;
    private final int[] out;
    private final int[] err;
    /** The files opened for fds 0, 1 and 2 (-1 where none), the parent's to close after the start. */
    private final int[] files;
    private final boolean errToOut;
    final int childIn;
    final int childOut;
    final int childErr;

    private ChildStdio(ProcessForker backend, int[] in, int[] out, int[] err, int[] files, boolean errToOut) {
        this.backend = backend;
        this.in = in;
        this.out = out;
        this.err = err;
        this.files = files;
        this.errToOut = errToOut;
        this.childIn = in != null ? in[0] : files[0];
        this.childOut = out != null ? out[1] : files[1];
        // stderr to stdout: the same descriptor, or the parent's fd 1 when stdout is inherited
        this.childErr = errToOut ? (childOut >= 0 ? childOut : 1) : err != null ? err[1] : files[2];
    }

    static ChildStdio open(ProcessForker backend, ForkOptions options) {
        // an unknown -Dfork.childRuntime value is refused here, before anything is opened
        VmRevival.requested();
        List<int[]> made = new ArrayList<>();
        int[] files = {-1, -1, -1};
        try {
            boolean errToOut = options.stderrToStdout();
            int[] in = open(backend, options.stdin(), 0, made, files);
            int[] out = open(backend, options.stdout(), 1, made, files);
            int[] err = errToOut ? null : open(backend, options.stderr(), 2, made, files);
            return new ChildStdio(backend, in, out, err, files, errToOut);
        } catch (RuntimeException e) {
            for (int[] p : made) {
                OwnedFds.closeQuietly(backend, p[0]);
                OwnedFds.closeQuietly(backend, p[1]);
            }
            for (int fd : files) {
                OwnedFds.closeQuietly(backend, fd);
            }
            throw e;
        }
    }

    /** A pipe for {@code PIPE}; a file opened into {@code files[target]}; nothing to inherit. */
    private static int[] open(ProcessForker backend, Redirect how, int target, List<int[]> made, int[] files) {
        switch (how.type()) {
            case PIPE:
                int[] pipe = OwnedFds.pipe(backend);
                made.add(pipe);
                return pipe;
            case READ:
                files[target] = OwnedFds.open(backend, how.file().getPath(), OpenFlags.O_RDONLY, 0);
                return null;
            case WRITE:
                files[target] = OwnedFds.open(backend, how.file().getPath(),
                    OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_TRUNC, CREATE_MODE);
                return null;
            case APPEND:
                files[target] = OwnedFds.open(backend, how.file().getPath(),
                    OpenFlags.O_WRONLY | OpenFlags.O_CREAT | OpenFlags.O_APPEND, CREATE_MODE);
                return null;
            default:
                return null;
        }
    }

    /**
     * The child's plan: it keeps its own ends (and {@code keepAlso}); every other descriptor of
     * jfork's, the parent's ends of these pipes included, is closed in it.
     */
    ChildPlan plan(int[] handshake, int[] go, int[] keepAlso, int alarmSeconds, boolean javaChild, int parentPid) {
        List<int[]> dups = new ArrayList<>();
        if (childIn >= 0) {
            dups.add(new int[] {childIn, 0});
        }
        if (childOut >= 0) {
            dups.add(new int[] {childOut, 1});
        }
        if (errToOut) {
            // after stdout's: a copy of the child's fd 1, whatever it now is
            dups.add(new int[] {1, 2});
        } else if (childErr >= 0) {
            dups.add(new int[] {childErr, 2});
        }
        int[] from = dups.stream().mapToInt(d -> d[0]).toArray();
        int[] to = dups.stream().mapToInt(d -> d[1]).toArray();
        ChildPlan plan = new ChildPlan(new int[0], from, to, handshake[1], go[0], alarmSeconds, javaChild, keepAlso, parentPid);
        plan.startVmThread = javaChild && parentPid > 0 && VmRevival.forChild(backend);
        return plan;
    }

    void closeChildEnds() {
        closeOnce(in, 0);
        closeOnce(out, 1);
        closeOnce(err, 1);
        closeOnce(files, 0);
        closeOnce(files, 1);
        closeOnce(files, 2);
    }

    void closeParentEnds() {
        closeOnce(in, 1);
        closeOnce(out, 0);
        closeOnce(err, 0);
    }

    /** Closes whatever is still open, ignoring failures. */
    void closeAll() {
        for (int[] fds : new int[][] {in, out, err, files}) {
            for (int i = 0; fds != null && i < fds.length; i++) {
                if (fds[i] >= 0) {
                    int fd = fds[i];
                    fds[i] = -1;
                    OwnedFds.closeQuietly(backend, fd);
                }
            }
        }
    }

    /** Closes one descriptor once; after that its number may be another thread's, so it is forgotten. */
    private void closeOnce(int[] fds, int index) {
        if (fds != null && fds[index] >= 0) {
            int fd = fds[index];
            fds[index] = -1;
            OwnedFds.close(backend, fd);
        }
    }

    /** A child started without Java (spawned, or the pid printer): its pidfd is opened now. */
    LaunchedChild launched(int pid, Duration deadline, boolean alarmArmed, boolean javaChild) {
        return launched(pid, ChildPidfd.open(backend, pid), deadline, alarmArmed, javaChild);
    }

    LaunchedChild launched(int pid, int pidfd, Duration deadline, boolean alarmArmed, boolean javaChild) {
        return new LaunchedChild(pid, deadline, alarmArmed, in == null ? -1 : in[1], out == null ? -1 : out[0],
            err == null ? -1 : err[0], javaChild, pidfd);
    }
}
