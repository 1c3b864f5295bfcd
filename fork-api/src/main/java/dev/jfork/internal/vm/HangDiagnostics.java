package dev.jfork.internal.vm;

import java.io.IOException;
import java.util.concurrent.TimeUnit;

/**
 * Prints the native stacks of a hung child with {@code gdb}, to find the lock it waits on, and has
 * HotSpot print the child's Java stack ({@code ps()}) on the child's own stderr. With
 * {@value #GDB_ON_HANG_PROPERTY}{@code =true}, jfork does this before its watchdog or its start
 * handshake kills a child.
 */
public final class HangDiagnostics {
    /** System property: {@code true} prints a hung child's stacks before it is killed ({@code Forker.GDB_ON_HANG_PROPERTY}). */
    public static final String GDB_ON_HANG_PROPERTY = "fork.gdbOnHang";

    private HangDiagnostics() {
    }

    /**
     * Runs {@code gdb -batch -p pid -ex "thread apply all bt"} and copies its output to stderr; gdb then
     * calls HotSpot's {@code ps()} in the child, whose Java stack goes to the child's fd 2.
     * Does nothing unless {@value #GDB_ON_HANG_PROPERTY} is {@code true}; reports when gdb is missing.
     *
     * @param pid the hung process
     * @param why what it failed to do, e.g. "outlived its deadline of 10 s"
     */
    public static void printNativeStacks(long pid, String why) {
        if (!Boolean.getBoolean(GDB_ON_HANG_PROPERTY)) {
            return;
        }
        java.io.File log = null;
        try {
            log = java.io.File.createTempFile("jfork-gdb-", ".txt");
            // the native stacks, then HotSpot's own ps(): the child's Java stack, printed on its stderr
            Process gdb = new ProcessBuilder("gdb", "-batch", "-p", Long.toString(pid), "-ex", "thread apply all bt",
                "-ex", "call (int) dup2(2, 1)", "-ex", "call (void) ps()")
                .redirectErrorStream(true)
                .redirectOutput(log)
                .start();
            if (!gdb.waitFor(60, TimeUnit.SECONDS)) {
                gdb.destroyForcibly();
            }
            String out = new String(java.nio.file.Files.readAllBytes(log.toPath()));
            System.err.println("jfork: hung child " + pid + " (" + why + "), native stacks:\n" + out);
        } catch (IOException e) {
            System.err.println("jfork: hung child " + pid + " (" + why + "); gdb could not run: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            if (log != null) {
                log.delete();
            }
        }
    }
}
