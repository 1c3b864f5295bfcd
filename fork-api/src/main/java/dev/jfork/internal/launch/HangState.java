package dev.jfork.internal.launch;

import dev.jfork.internal.io.ProcFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * What a child was doing when its deadline passed, read from {@code /proc/<pid>/stat} and
 * {@code /proc/<pid>/syscall} just before the watchdog kills it, so that "hung" says more than that:
 * running (a loop), asleep reading a descriptor (input that never came), stopped by a signal, and so on.
 */
public final class HangState {
    private static final int EM_AARCH64 = 183;

    private HangState() {
    }

    /**
     * Reads what a child is doing now; called under its pid lock, so the pid is still its own.
     *
     * @param pid a child not yet reaped
     * @return e.g. "it was running, not waiting for anything (a loop that does not end, or work that
     *     needs a longer deadline)", or null when it cannot be read
     */
    public static String of(int pid) {
        byte[] buffer = ProcFile.buffer();
        char state;
        int threads;
        try {
            int length = ProcFile.read("/proc/" + pid + "/stat", buffer);
            String stat = new String(buffer, 0, length, StandardCharsets.US_ASCII);
            // pid (comm) state ...: comm may hold spaces and parentheses, so look after the last ')'
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            state = fields[0].charAt(0);
            threads = Integer.parseInt(fields[17]);
        } catch (IOException | RuntimeException unreadable) {
            return null;
        }
        String what = describe(state, syscall(pid), KernelMachine.of(pid) == EM_AARCH64);
        return threads > 1 ? what + " (one of its " + threads + " threads)" : what;
    }

    private static String syscall(int pid) {
        try {
            byte[] buffer = ProcFile.buffer();
            int length = ProcFile.read("/proc/" + pid + "/syscall", buffer);
            return new String(buffer, 0, length, StandardCharsets.US_ASCII).strip();
        } catch (IOException | RuntimeException unreadable) {
            return "";
        }
    }

    /**
     * Says what a state and a system call mean for a hang.
     *
     * @param state the state letter of {@code /proc/<pid>/stat}
     * @param syscall the line of {@code /proc/<pid>/syscall}, or empty
     * @param aarch64 whether the syscall numbers are aarch64's (else x86_64's)
     * @return what it says
     */
    static String describe(char state, String syscall, boolean aarch64) {
        switch (state) {
            case 'R':
                return "it was running, not waiting for anything (a loop that does not end, or work that needs"
                    + " a longer deadline)";
            case 'T':
            case 't':
                return "it was stopped (by SIGSTOP, SIGTSTP or a debugger), so it could not go on";
            case 'Z':
                return "it had already ended";
            default:
                break;
        }
        String[] parts = syscall.split(" ");
        String in = waitIn(parts, aarch64);
        String prefix = state == 'D' ? "it was in an uninterruptible wait" : "it was asleep";
        return in == null ? prefix : prefix + " " + in;
    }

    private static String waitIn(String[] parts, boolean aarch64) {
        int number;
        try {
            number = Integer.parseInt(parts[0]);
        } catch (NumberFormatException notASyscall) {
            return null;
        }
        String fd = parts.length > 1 ? fdOf(parts[1]) : "?";
        switch (name(number, aarch64)) {
            case "read":
                return "reading fd " + fd + " (input that never came, or a pipe whose writer never closed it)";
            case "write":
                return "writing to fd " + fd + " (a full pipe that nobody reads?)";
            case "futex":
                // futex(uaddr, op, val, timeout, ...): a timeout means a sleep or a timed wait
                return parts.length > 4 && !"0".equals(fdOf(parts[4]))
                    ? "in a timed wait (Thread.sleep, or a wait, join or park with a timeout)"
                    : "in a wait with no timeout (a lock another thread holds, Object.wait, a join or a park)";
            case "sleep":
                return "in a sleep";
            case "poll":
                return "waiting in poll, select or epoll for a descriptor";
            case "wait":
                return "waiting for a child process of its own";
            case "socket":
                return "waiting on a socket (connect, accept or a receive)";
            default:
                return "in system call " + number;
        }
    }

    private static String fdOf(String hex) {
        try {
            return Long.toString(Long.parseUnsignedLong(hex.startsWith("0x") ? hex.substring(2) : hex, 16));
        } catch (NumberFormatException e) {
            return "?";
        }
    }

    private static String name(int number, boolean aarch64) {
        if (aarch64) {
            switch (number) {
                case 63: return "read";
                case 64: return "write";
                case 98: return "futex";
                case 101: case 115: return "sleep";
                case 22: case 72: case 73: return "poll";
                case 95: case 260: return "wait";
                case 202: case 203: case 206: case 207: case 242: return "socket";
                default: return "";
            }
        }
        switch (number) {
            case 0: return "read";
            case 1: return "write";
            case 202: return "futex";
            case 34: case 35: case 230: return "sleep";
            case 7: case 23: case 232: case 270: case 271: case 281: return "poll";
            case 61: case 247: return "wait";
            case 42: case 43: case 45: case 288: return "socket";
            default: return "";
        }
    }
}
