package dev.jfork.internal.vm;

import dev.jfork.spi.ThreadStartCalls;
import dev.jfork.spi.VmThreadRevival;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.LockSupport;

/**
 * {@link dev.jfork.spi.ProcessForker#startVmThread} for a backend with no C of its own for it: the same
 * checks, the same steps and the same results as jni's {@code childruntime.c}, made of the libc calls
 * {@link ThreadStartCalls} binds and of reads and writes of this process's memory ({@link SelfMemory}).
 *
 * The start routine and its pages: {@link StartRoutinePages}. x86_64 only (the other architectures'
 * routine has not been run yet): elsewhere it fails closed, with the reason.
 */
final class VmThreadStart {
    // the layout words, as dev.jfork.spi.ProcessForker#startVmThread documents them
    private static final int MUTEX_AT = 0;
    private static final int COND_AT = 1;
    private static final int VM_THREAD_STATIC = 2;
    private static final int INIT_CURRENT = 3;
    private static final int RECORD_STACK = 4;
    private static final int LOOP = 5;
    private static final int IDLE_COND = 6;
    private static final int THREAD_LIST = 7;
    private static final int LIST_LENGTH = 8;
    private static final int LIST_THREADS = 9;
    private static final int THREAD_STATE = 10;
    private static final int ANCHOR_SP = 11;
    private static final int ANCHOR_PC = 12;
    private static final int IN_NATIVE = 13;
    private static final int BLOCKED = 14;
    private static final int OSTHREAD = 15;
    private static final int PTHREAD_ID = 16;

    private static final int MAX_MUTEXES = 1024;
    private static final int MAX_JAVA_THREADS = 65536;
    private static final long SYS_FUTEX_X86_64 = 202;

    private VmThreadStart() {
    }


    /**
     * As {@link dev.jfork.spi.ProcessForker#startVmThread}: with {@code start} false (the parent) it
     * prepares the pages and checks the mutexes, writing none of the JVM's memory; with {@code start} true
     * (a child only) it renews the free mutexes and starts the thread.
     *
     * @param calls the backend's libc calls
     * @param mutexes HotSpot's mutexes
     * @param layout the layout words, then pairs of words that must be 0
     * @param start whether to start (in a child)
     * @return {@link VmThreadRevival#OK} or a failed check, in jni's numbers
     */
    static int run(ThreadStartCalls calls, long[] mutexes, long[] layout, boolean start) {
        int words = layout.length;
        if (words < VmThreadRevival.LAYOUT_WORDS || words > VmThreadRevival.LAYOUT_WORDS + 2 * VmThreadRevival.MAX_IDLE_WORDS
                || (words - VmThreadRevival.LAYOUT_WORDS) % 2 != 0 || mutexes.length < 1 || mutexes.length > MAX_MUTEXES) {
            return code(VmThreadRevival.BAD_ARGUMENTS, 0);
        }
        long mutexAt = layout[MUTEX_AT];
        long condAt = layout[COND_AT];
        if (mutexAt < 8 || condAt <= mutexAt || condAt > 256 || layout[INIT_CURRENT] == 0 || layout[RECORD_STACK] == 0
                || layout[LOOP] == 0) {
            return code(VmThreadRevival.BAD_ARGUMENTS, 1);
        }
        StartRoutinePages p = start ? StartRoutinePages.prepared() : StartRoutinePages.prepare(calls, (int) (condAt - mutexAt));
        if (p == null || p.result != VmThreadRevival.OK) {
            return p == null ? code(VmThreadRevival.BAD_ARGUMENTS, 2) : p.result;
        }
        try (SelfMemory mem = new SelfMemory(start)) {
            int checked = check(calls, mem, p, mutexes, layout, start);
            if (checked != VmThreadRevival.OK || !start) {
                return checked;
            }
            return renewAndStart(calls, mem, p, mutexes, layout);
        } catch (IOException e) {
            return code(VmThreadRevival.UNREADABLE, 0x7ff0);
        }
    }

    /** Pass 1: reads and checks everything; writes nothing. */
    private static int check(ThreadStartCalls calls, SelfMemory mem, StartRoutinePages p, long[] mutexes, long[] layout,
                             boolean start) throws IOException {
        int mutexAt = (int) layout[MUTEX_AT];
        int condAt = (int) layout[COND_AT];
        byte[] copy = new byte[condAt + StartRoutinePages.COND_SIZE];
        for (int i = 0; i < mutexes.length; i++) {
            if (mutexes[i] == 0 || (mutexes[i] & 7) != 0 || !readable(mem, mutexes[i], copy)) {
                return code(VmThreadRevival.UNREADABLE, i);
            }
            if (SelfMemory.decode(copy, 0, 8) != 0) {
                continue; // held at the fork: left as it is (the child would wait for it in any case)
            }
            if (!sameUnder(copy, mutexAt, p.mutexWant, p.mutexMask)) {
                return code(VmThreadRevival.MUTEX_KIND, i);
            }
            if (!sameUnder(copy, condAt, p.condWant, p.condMask)) {
                return code(VmThreadRevival.COND_CLOCK, i);
            }
        }
        for (int w = VmThreadRevival.LAYOUT_WORDS; w < layout.length; w += 2) {
            if ((layout[w + 1] != 4 && layout[w + 1] != 8) || layout[w] == 0) {
                return code(VmThreadRevival.BAD_ARGUMENTS, w);
            }
            long word;
            try {
                word = layout[w + 1] == 8 ? mem.readLong(layout[w]) : mem.readInt(layout[w]);
            } catch (IOException unmapped) {
                return code(VmThreadRevival.UNREADABLE, 0x8000 | w);
            }
            if (word != 0) {
                return code(VmThreadRevival.BUSY, (w - VmThreadRevival.LAYOUT_WORDS) / 2);
            }
        }
        if (layout[VM_THREAD_STATIC] == 0 || readOr0(mem, layout[VM_THREAD_STATIC]) == 0) {
            return code(VmThreadRevival.NO_VM_THREAD, 0);
        }
        // the parent's own threads run: their states are looked at in a child only
        return start ? javaThreadsSafe(mem, layout, calls.threadSelf()) : VmThreadRevival.OK;
    }

    /**
     * Whether every JavaThread is where a handshake or a safepoint may act for it: blocked, or in native
     * with no Java frame or a walkable one (HandshakeState::possibly_can_process_handshake), as jni's C; and
     * that exactly one of them is the forking thread ({@code self}, its {@code pthread_t}).
     */
    private static int javaThreadsSafe(SelfMemory mem, long[] layout, long self) {
        long list = readOr0(mem, layout[THREAD_LIST]);
        long length;
        long threads;
        try {
            length = list == 0 ? -1 : mem.readInt(list + layout[LIST_LENGTH]);
            threads = list == 0 ? 0 : mem.readLong(list + layout[LIST_THREADS]);
        } catch (IOException unmapped) {
            return code(VmThreadRevival.UNREADABLE, 0x7fff);
        }
        if (length < 0 || length > MAX_JAVA_THREADS || (length > 0 && threads == 0)) {
            return code(VmThreadRevival.UNREADABLE, 0x7fff);
        }
        int forking = 0;
        for (int i = 0; i < length; i++) {
            try {
                long thread = mem.readLong(threads + 8L * i);
                if (isThread(mem, thread, layout, self)) {
                    forking++;
                }
                int state = (int) mem.readInt(thread + layout[THREAD_STATE]);
                if (state == (int) layout[BLOCKED]) {
                    continue;
                }
                if (state == (int) layout[IN_NATIVE]) {
                    long sp = mem.readLong(thread + layout[ANCHOR_SP]);
                    long pc = mem.readLong(thread + layout[ANCHOR_PC]);
                    if (sp == 0 || pc != 0) {
                        continue;
                    }
                }
            } catch (IOException unmapped) {
                return code(VmThreadRevival.UNREADABLE, 0x7ffe);
            }
            return code(VmThreadRevival.THREAD_UNSAFE, i);
        }
        return forking == 1 ? VmThreadRevival.OK : code(VmThreadRevival.THREAD_UNSAFE, VmRevival.FORKING_THREAD_NOT_FOUND);
    }

    /** Whether the JavaThread at {@code thread} is the one whose {@code pthread_t} is {@code self}. */
    private static boolean isThread(SelfMemory mem, long thread, long[] layout, long self) throws IOException {
        long osThread = mem.readLong(thread + layout[OSTHREAD]);
        return osThread != 0 && mem.readLong(osThread + layout[PTHREAD_ID]) == self;
    }

    /**
     * In the child, before the VM thread starts: every JavaThread but the forking one is dead, and its frames
     * are forgotten (its anchor's last Java stack pointer set to 0), so that no collection or deoptimisation
     * walks them. glibc gives a thread started in the child a dead thread's stack from its cache (seen: a
     * {@code Thread.start} in a revived child landed on the dead "jfork-reaper-1"'s, and the next collection
     * crashed in {@code MarkSweep::FollowRootClosure::do_oop} on the frames it had overwritten).
     */
    private static void forgetDeadFrames(SelfMemory mem, long[] layout, long self) throws IOException {
        long list = mem.readLong(layout[THREAD_LIST]);
        long length = mem.readInt(list + layout[LIST_LENGTH]);
        long threads = mem.readLong(list + layout[LIST_THREADS]);
        for (int i = 0; i < length; i++) {
            long thread = mem.readLong(threads + 8L * i);
            if (!isThread(mem, thread, layout, self)) {
                mem.writeLongs(thread + layout[ANCHOR_SP], 0);
            }
        }
    }

    /** Pass 2, in the child only: renews the free mutexes, then starts the thread and waits until it is idle. */
    private static int renewAndStart(ThreadStartCalls calls, SelfMemory mem, StartRoutinePages p, long[] mutexes, long[] layout)
            throws IOException {
        for (long m : mutexes) {
            if (mem.readLong(m) != 0) {
                continue;
            }
            calls.mutexInit(m + layout[MUTEX_AT], p.mutexAttr());
            calls.condInit(m + layout[COND_AT], p.condAttr());
        }
        forgetDeadFrames(mem, layout, calls.threadSelf());
        long vmThread = mem.readLong(layout[VM_THREAD_STATIC]);
        int self = ownTid();
        int started = p.start(calls, mem, vmThread, layout[INIT_CURRENT], layout[RECORD_STACK], layout[LOOP]);
        if (started != VmThreadRevival.OK) {
            return started;
        }
        if (layout[IDLE_COND] != 0 && !awaitIdle(self, layout[IDLE_COND])) {
            return code(VmThreadRevival.NOT_SEEN_IDLE, 0);
        }
        return VmThreadRevival.OK;
    }



    private static boolean sameUnder(byte[] copy, int at, byte[] want, byte[] mask) {
        for (int i = 0; i < want.length; i++) {
            if (((copy[at + i] ^ want[i]) & mask[i]) != 0) {
                return false;
            }
        }
        return true;
    }

    private static boolean readable(SelfMemory mem, long address, byte[] into) {
        try {
            mem.read(address, into, into.length);
            return true;
        } catch (IOException unmapped) {
            return false;
        }
    }

    private static long readOr0(SelfMemory mem, long address) {
        try {
            return mem.readLong(address);
        } catch (IOException unmapped) {
            return 0;
        }
    }

    /** Up to 2 s: the new thread found, named, and seen asleep on the idle condition variable. */
    private static boolean awaitIdle(int self, long cond) {
        long until = System.nanoTime() + 2_000_000_000L;
        int tid = 0;
        while (System.nanoTime() < until) {
            if (tid == 0) {
                tid = otherTid(self);
                if (tid != 0) {
                    name(tid);
                }
            }
            if (tid != 0 && idleInWait(tid, cond)) {
                return true;
            }
            LockSupport.parkNanos(100_000);
        }
        return false;
    }

    private static int ownTid() throws IOException {
        return Integer.parseInt(Files.readSymbolicLink(Path.of("/proc/thread-self")).getFileName().toString());
    }

    /** @return a thread of this process other than {@code self} (a child has no other than the new one), or 0 */
    private static int otherTid(int self) {
        String[] tasks = new java.io.File("/proc/self/task").list();
        if (tasks != null) {
            for (String task : tasks) {
                int tid = Integer.parseInt(task);
                if (tid != self) {
                    return tid;
                }
            }
        }
        return 0;
    }

    private static void name(int tid) {
        try (RandomAccessFile comm = new RandomAccessFile("/proc/self/task/" + tid + "/comm", "rw")) {
            comm.write("VM Thread".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException unnamed) {
            // a name for gdb and ps only
        }
    }

    /** Whether thread {@code tid} sleeps in a futex wait on the condition variable at {@code cond}. */
    private static boolean idleInWait(int tid, long cond) {
        String line;
        try {
            line = Files.readString(Path.of("/proc/self/task/" + tid + "/syscall")).strip();
        } catch (IOException | RuntimeException gone) {
            return false;
        }
        String[] fields = line.split(" ");
        if (fields.length < 2 || !fields[0].equals(Long.toString(SYS_FUTEX_X86_64)) || !fields[1].startsWith("0x")) {
            return false;
        }
        long address = Long.parseUnsignedLong(fields[1].substring(2), 16);
        return address >= cond && address < cond + StartRoutinePages.COND_SIZE;
    }

    static int code(int check, int detail) {
        return (check << 16) | (detail & 0xffff);
    }
}
