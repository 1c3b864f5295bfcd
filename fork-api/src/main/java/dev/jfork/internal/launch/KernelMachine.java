package dev.jfork.internal.launch;

import dev.jfork.internal.io.ProcFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Which machine's syscall numbers the kernel shows in {@code /proc/<pid>/syscall} ({@link DeadlockWatch}). */
final class KernelMachine {
    /**
     * The machine whose syscall numbers the kernel uses, found once; 0 until then. It differs from
     * {@link DeadlockWatch#JVM_MACHINE} when the JVM runs under user-mode emulation (an arm64 JVM under
     * {@code qemu-aarch64} on x86_64): the kernel then shows the emulator's syscall numbers and the
     * emulator's own thread.
     */
    private static volatile int kernelMachine;

    private KernelMachine() {
    }

    /**
     * The machine of the kernel's syscall numbers, read once and kept: the syscall this thread is in
     * while it reads its own {@code /proc/thread-self/syscall} is that read, numbered 0 on x86_64 and 63
     * on aarch64. (The child's {@code /proc/<pid>/exe} says nothing here: run through binfmt_misc, an
     * emulated JVM's exe is the arm64 java, yet its syscalls are the host's.) Then the first child's
     * {@code exe}; the JVM's own machine when neither can be read.
     */
    static int of(int pid) {
        int machine = kernelMachine;
        if (machine == 0) {
            machine = machineOfSyscallNumbers();
            if (machine == 0) {
                machine = DeadlockWatch.JVM_MACHINE;
                try (InputStream in = Files.newInputStream(Path.of("/proc", Integer.toString(pid), "exe"))) {
                    byte[] header = in.readNBytes(20);
                    if (header.length == 20) {
                        machine = elfMachine(header);
                    }
                } catch (IOException | RuntimeException unreadable) {
                    // the JVM's own; /proc/<pid>/syscall reports what else cannot be read
                }
            }
            kernelMachine = machine;
        }
        return machine;
    }

    /** @return {@link DeadlockWatch#EM_X86_64} or {@link DeadlockWatch#EM_AARCH64} by the number of {@code read}; 0 when not known */
    static int machineOfSyscallNumbers() {
        try {
            byte[] buffer = ProcFile.buffer();
            int length = ProcFile.read("/proc/thread-self/syscall", buffer);
            return machineOfReadSyscall(new String(buffer, 0, length, StandardCharsets.US_ASCII));
        } catch (IOException | RuntimeException unreadable) {
            return 0;
        }
    }

    /**
     * @param syscall a {@code /proc/.../syscall} line written while its thread was in {@code read}
     * @return the machine that numbers {@code read} so; 0 for another number
     */
    static int machineOfReadSyscall(String syscall) {
        String number = syscall.strip().split(" ")[0];
        switch (number) {
            case "0":
                return DeadlockWatch.EM_X86_64;
            case "63":
                return DeadlockWatch.EM_AARCH64;
            default:
                return 0;
        }
    }

    /**
     * {@code e_machine} of an ELF header, little-endian; the JVM's own for anything else.
     *
     * @param header the first 20 bytes of a file
     */
    static int elfMachine(byte[] header) {
        if (header.length < 20 || header[0] != 0x7f || header[1] != 'E' || header[2] != 'L' || header[3] != 'F'
                || header[5] != 1) {
            return DeadlockWatch.JVM_MACHINE;
        }
        return (header[18] & 0xff) | (header[19] & 0xff) << 8;
    }
}
