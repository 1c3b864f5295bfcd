package dev.jfork;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Prints the native stacks of a hung child with {@code gdb}, to find the lock it waits on. With
 * {@value #GDB_ON_HANG_PROPERTY}{@code =true}, jfork does this before its watchdog or its start
 * handshake kills a child.
 */
public final class HangDiagnostics {
    /** System property: {@code true} prints a hung child's native stacks with gdb before it is killed. */
    public static final String GDB_ON_HANG_PROPERTY = "fork.gdbOnHang";

    private HangDiagnostics() {
    }

    /**
     * Runs {@code gdb -batch -p pid -ex "thread apply all bt"} and copies its output to stderr.
     * Does nothing unless {@value #GDB_ON_HANG_PROPERTY} is {@code true}; reports when gdb is missing.
     *
     * @param pid the hung process
     * @param why what it failed to do, e.g. "outlived its deadline of 10 s"
     */
    public static void printNativeStacks(long pid, String why) {
        if (!Boolean.getBoolean(GDB_ON_HANG_PROPERTY)) {
            return;
        }
        try {
            Process gdb = new ProcessBuilder("gdb", "-batch", "-p", Long.toString(pid), "-ex", "thread apply all bt")
                .redirectErrorStream(true)
                .start();
            String out = new String(gdb.getInputStream().readAllBytes());
            if (!gdb.waitFor(60, TimeUnit.SECONDS)) {
                gdb.destroyForcibly();
            }
            System.err.println("jfork: hung child " + pid + " (" + why + "), native stacks:\n" + out);
        } catch (IOException e) {
            System.err.println("jfork: hung child " + pid + " (" + why + "); gdb could not run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
