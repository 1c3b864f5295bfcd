package dev.jfork.conformance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/** Reads {@code /proc}: the test JVM's zombie children and its open pipe descriptors. */
public final class ProcFs {
    private ProcFs() {
    }

    /**
     * Whether this JVM runs under user-mode emulation (an arm64 JVM under {@code qemu-aarch64} on an
     * x86_64 kernel): the syscall a thread is in while it reads its own {@code /proc/thread-self/syscall}
     * is that read, numbered by the kernel's architecture (0 on x86_64, 63 on aarch64), which then is not
     * the JVM's. There the kernel shows the emulator's stack, not the child's.
     *
     * @return true when the kernel numbers syscalls for another architecture than {@code os.arch}
     */
    public static boolean emulated() {
        try {
            String number = Files.readString(Path.of("/proc/thread-self/syscall")).strip().split(" ")[0];
            String kernel = number.equals("0") ? "amd64" : number.equals("63") ? "aarch64" : null;
            return kernel != null && !kernel.equals(System.getProperty("os.arch"));
        } catch (IOException unreadable) {
            return false;
        }
    }

    /**
     * The pids of zombie children of {@code parentPid}.
     *
     * @param parentPid the parent
     * @return the zombies' pids
     */
    public static List<Long> zombieChildrenOf(long parentPid) {
        List<Long> zombies = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path dir : dirs) {
                String stat;
                try {
                    stat = Files.readString(dir.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                // pid (comm) state ppid ...; comm may hold spaces and parentheses
                String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (rest[0].equals("Z") && Long.parseLong(rest[1]) == parentPid) {
                    zombies.add(Long.parseLong(dir.getFileName().toString()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return zombies;
    }

    /**
     * The descriptors of this process that are pipes, with their targets, e.g. {@code "12 -> pipe:[4711]"}.
     *
     * @return a sorted set
     */
    public static TreeSet<String> openPipes() {
        TreeSet<String> pipes = new TreeSet<>();
        try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path fd : fds) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    if (target.startsWith("pipe:")) {
                        pipes.add(fd.getFileName() + " -> " + target);
                    }
                } catch (IOException closedMeanwhile) {
                    // the directory stream's own fd, or one closed by another thread
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return pipes;
    }

    /**
     * For a failure's message: each of these pipes (as {@link #openPipes} names them) with the other
     * processes that hold the same pipe ({@code pid (name) fd}), and the threads of this JVM whose names
     * start with {@link dev.jfork.Forker#THREAD_NAME_PREFIX}, since one of them may have opened it.
     *
     * @param pipes entries of {@link #openPipes}
     * @return a line for each pipe, then the threads
     */
    public static String describePipes(Iterable<String> pipes) {
        StringBuilder out = new StringBuilder();
        for (String entry : pipes) {
            String target = entry.substring(entry.indexOf("pipe:"));
            out.append("\n  ").append(entry).append(", also held by:");
            int holders = 0;
            try (DirectoryStream<Path> processes = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                for (Path process : processes) {
                    if (process.getFileName().toString().equals(String.valueOf(ProcessHandle.current().pid()))) {
                        continue;
                    }
                    try (DirectoryStream<Path> fds = Files.newDirectoryStream(process.resolve("fd"))) {
                        for (Path fd : fds) {
                            try {
                                if (Files.readSymbolicLink(fd).toString().equals(target)) {
                                    String name = Files.readString(process.resolve("comm")).strip();
                                    out.append(' ').append(process.getFileName()).append(" (").append(name)
                                        .append(") fd ").append(fd.getFileName()).append(';');
                                    holders++;
                                }
                            } catch (IOException gone) {
                                // closed meanwhile
                            }
                        }
                    } catch (IOException notOurs) {
                        // another user's process, or one that ended
                    }
                }
            } catch (IOException e) {
                out.append(" (/proc unreadable: ").append(e).append(')');
            }
            if (holders == 0) {
                out.append(" no other process");
            }
        }
        out.append("\n  jfork's threads:");
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(dev.jfork.Forker.THREAD_NAME_PREFIX)) {
                out.append(' ').append(t.getName()).append(" (").append(t.getState()).append(')');
            }
        }
        return out.toString();
    }
}
