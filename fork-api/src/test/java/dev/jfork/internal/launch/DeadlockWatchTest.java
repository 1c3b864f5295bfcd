package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class DeadlockWatchTest {
    private static byte[] elf(int machine) {
        byte[] header = new byte[20];
        header[0] = 0x7f;
        header[1] = 'E';
        header[2] = 'L';
        header[3] = 'F';
        header[4] = 2;
        header[5] = 1;
        header[18] = (byte) machine;
        header[19] = (byte) (machine >> 8);
        return header;
    }

    @Test
    void theElfMachineChoosesTheSyscallTable() {
        assertThat(KernelMachine.elfMachine(elf(62))).isEqualTo(DeadlockWatch.EM_X86_64);
        assertThat(KernelMachine.elfMachine(elf(183))).isEqualTo(DeadlockWatch.EM_AARCH64);
        assertThat(KernelMachine.elfMachine(new byte[20])).isIn(DeadlockWatch.EM_X86_64, DeadlockWatch.EM_AARCH64);
    }

    @Test
    void theKernelsSyscallNumbersAreToldByTheReadThatReadsThem() {
        // as /proc/thread-self/syscall shows the read that reads it, on each kernel
        assertThat(KernelMachine.machineOfReadSyscall("0 0x3 0x7feaefb46000 0x20000 0x0 0x0 0x0 0x7ffd 0x7f31")).isEqualTo(DeadlockWatch.EM_X86_64);
        assertThat(KernelMachine.machineOfReadSyscall("63 0x3 0xffff9c0e8074 0x1000 0x0 0x0 0x0 0xffffc4c0 0xffff9c4a")).isEqualTo(DeadlockWatch.EM_AARCH64);
        assertThat(KernelMachine.machineOfReadSyscall("running")).isZero();
        // this JVM runs natively in the build: the kernel numbers syscalls as the JVM does
        int jvm = "aarch64".equals(System.getProperty("os.arch")) ? DeadlockWatch.EM_AARCH64 : DeadlockWatch.EM_X86_64;
        assertThat(KernelMachine.machineOfSyscallNumbers()).isEqualTo(jvm);
    }

    @Test
    void anUntimedPrivateFutexWaitIsAsleepForeverUnderTheGivenNumber() {
        // as /proc/<pid>/syscall shows it: number, then six arguments
        String x86 = "202 0x5500020074 0x80 0x0 0x0 0x0 0x0 0x7ffc8ecb4d30 0x7f31f4c2bef6";
        String arm = "98 0xffff9c0e8074 0x89 0x0 0x0 0x0 0xffffffff 0xffffc4c0 0xffff9c4a";
        assertThat(DeadlockWatch.asleepForever(x86, DeadlockWatch.FUTEX_X86_64)).isTrue();
        assertThat(DeadlockWatch.asleepForever(x86, DeadlockWatch.FUTEX_AARCH64)).isFalse();
        assertThat(DeadlockWatch.asleepForever(arm, DeadlockWatch.FUTEX_AARCH64)).isTrue();
        assertThat(DeadlockWatch.asleepForever(arm, DeadlockWatch.FUTEX_X86_64)).isFalse();
        assertThat(DeadlockWatch.asleepForever("202 0x5500020074 0x80 0x0 0x7ffc 0x0 0x0 0x1 0x2",
            DeadlockWatch.FUTEX_X86_64)).as("timed").isFalse();
        assertThat(DeadlockWatch.asleepForever("running", DeadlockWatch.FUTEX_X86_64)).isFalse();
    }

    @Test
    void underEmulationTheEmulatorsOwnThreadIsNotCounted() {
        String two = "Name:\tjava\nThreads:\t2\nSigQ:\t0/1\n";
        assertThat(DeadlockWatch.singleThreaded(two, false)).isFalse();
        assertThat(DeadlockWatch.singleThreaded(two, true)).isTrue();
        assertThat(DeadlockWatch.singleThreaded("Name:\tjava\nThreads:\t3\n", true)).isFalse();
        assertThat(DeadlockWatch.singleThreaded("Name:\tjava\nThreads:\t1\n")).isTrue();
    }

    @Test
    @DisplayName("a child that just ended is not taken for a forbidden read: no warning about ptrace")
    void anEndedChildIsNotAPtraceRestriction() {
        assertThat(DeadlockWatch.forbidden(new java.io.IOException("No such process"))).isFalse();
        assertThat(DeadlockWatch.forbidden(new java.nio.file.NoSuchFileException("/proc/1/syscall"))).isFalse();
        assertThat(DeadlockWatch.forbidden(new java.nio.file.AccessDeniedException("/proc/1/syscall"))).isTrue();
        assertThat(DeadlockWatch.forbidden(new java.io.IOException("Operation not permitted"))).isTrue();
    }
}
