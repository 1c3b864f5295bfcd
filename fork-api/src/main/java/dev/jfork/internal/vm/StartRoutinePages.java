package dev.jfork.internal.vm;

import dev.jfork.spi.ThreadStartCalls;
import dev.jfork.spi.VmThreadRevival;
import java.io.IOException;

/**
 * The two pages {@link VmThreadStart} starts the VM thread with: a data page (the start routine's argument,
 * the {@code pthread_t}, the attributes made once in the parent) and a code page holding the start routine,
 * a few machine instructions of jfork's own that call {@code Thread::initialize_thread_current()},
 * {@code Thread::record_stack_base_and_size()} and {@code VMThread::loop()} on the VM thread object, as jni's
 * C does. The parent maps both once, learns the bytes of glibc's mutex and condition variable of HotSpot's
 * kinds, writes the routine, makes its page executable, and runs the routine once in a thread of its own on
 * three functions that return at once (so that the path, and each backend's bindings, has run before any
 * child needs it). A child inherits the pages and writes only its own copy. x86_64 only for now.
 */
final class StartRoutinePages {
    static final int COND_SIZE = 48;
    private static final long STACK_SIZE = 2L * 1024 * 1024;
    private static final long STACK_GUARD = 64 * 1024;
    private static final long DRY_RUN_STACK = 256 * 1024;
    private static final int PAGE = 4096;
    private static final int NORMAL = 0;
    private static final int RECURSIVE = 1;
    private static final int CLOCK_REALTIME = 0;
    private static final int CLOCK_MONOTONIC = 1;
    private static final int DETACHED = 1;

    // the data page: the routine's argument (4 words), the dry run's, the pthread_t, the attributes, scratch
    private static final int ARGS = 0;
    private static final int DRY_ARGS = 32;
    private static final int THREAD = 64;
    private static final int THREAD_ATTR = 128;
    private static final int DRY_ATTR = 192;
    private static final int MUTEX_ATTR = 256;
    private static final int COND_ATTR = 264;
    private static final int OTHER_MUTEX_ATTR = 272;
    private static final int OTHER_COND_ATTR = 280;
    private static final int TEMPLATES = 512;

    /**
     * x86_64: {@code endbr64; push rbx; mov rbx, rdi; 3 x (mov rdi, [rbx]; call [rbx+8n]); xor eax, eax;
     * pop rbx; ret}, then at {@link #STUB_X86_64} {@code endbr64; xor eax, eax; ret} (the dry run's functions).
     */
    private static final byte[] ROUTINE_X86_64 = {
        (byte) 0xf3, 0x0f, 0x1e, (byte) 0xfa, 0x53, 0x48, (byte) 0x89, (byte) 0xfb,
        0x48, (byte) 0x8b, 0x3b, (byte) 0xff, 0x53, 0x08,
        0x48, (byte) 0x8b, 0x3b, (byte) 0xff, 0x53, 0x10,
        0x48, (byte) 0x8b, 0x3b, (byte) 0xff, 0x53, 0x18,
        0x31, (byte) 0xc0, 0x5b, (byte) 0xc3,
        (byte) 0xf3, 0x0f, 0x1e, (byte) 0xfa, 0x31, (byte) 0xc0, (byte) 0xc3};
    private static final int STUB_X86_64 = 0x1e;

    /** What the parent prepared, once; a child reads it (fixed before any child is forked). */
    private static volatile StartRoutinePages prepared;

    private long data;
    private long code;
    private final int mutexSize;
    byte[] mutexWant;
    byte[] mutexMask;
    byte[] condWant;
    byte[] condMask;
    /** {@link VmThreadRevival#OK}, or why the pages cannot be used. */
    int result;

    private StartRoutinePages(int mutexSize) {
        this.mutexSize = mutexSize;
    }

    /** @return what the parent prepared, null when it prepared nothing (in a child: nothing to start with) */
    static StartRoutinePages prepared() {
        return prepared;
    }

    /**
     * The parent, once: maps and fills the pages; then, for each call (each backend checks once), the dry run
     * on that backend's calls.
     *
     * @param calls the backend's calls
     * @param mutexSize the size of glibc's {@code pthread_mutex_t} in HotSpot's layout
     * @return the pages, with {@link #result}
     */
    static synchronized StartRoutinePages prepare(ThreadStartCalls calls, int mutexSize) {
        StartRoutinePages p = prepared;
        if (p == null) {
            p = new StartRoutinePages(mutexSize);
            p.result = p.fill(calls);
            prepared = p;
        }
        if (p.result == VmThreadRevival.OK) {
            p.dryRun(calls);
        }
        return p;
    }

    /** @return the {@code pthread_mutexattr_t} of HotSpot's kind (PTHREAD_MUTEX_NORMAL) */
    long mutexAttr() {
        return data + MUTEX_ATTR;
    }

    /** @return the {@code pthread_condattr_t} of HotSpot's kind (CLOCK_MONOTONIC) */
    long condAttr() {
        return data + COND_ATTR;
    }

    /**
     * In a child: starts the routine on {@code vmThread} and the three functions, in a new detached thread on
     * a stack of its own, newly mapped. After a fork glibc keeps the dead threads' stacks as its cache, and a
     * thread it started on one (seen: JDK 25's 2 MB "VirtualThread-unblocker") writes over frames that a
     * collection then walks, since the dead JavaThreads are still in HotSpot's list.
     *
     * @return 0, or {@code CODE(THREAD_FAILED, errno)}
     */
    int start(ThreadStartCalls calls, SelfMemory mem, long vmThread, long init, long record, long loop)
            throws IOException {
        mem.writeLongs(data + ARGS, vmThread, init, record, loop);
        long stack = stack(calls, STACK_SIZE);
        int e = stack == -1 ? calls.errno() : calls.threadAttrSetStack(data + THREAD_ATTR, stack, STACK_SIZE);
        if (e == 0) {
            e = calls.threadCreate(data + THREAD, data + THREAD_ATTR, code, data + ARGS);
        }
        return e == 0 ? VmThreadRevival.OK : VmThreadStart.code(VmThreadRevival.THREAD_FAILED, e);
    }

    private int fill(ThreadStartCalls calls) {
        String arch = System.getProperty("os.arch");
        if (!arch.equals("amd64") && !arch.equals("x86_64")) {
            return VmThreadStart.code(VmThreadRevival.UNSUPPORTED, 1);
        }
        data = calls.mmap(2L * PAGE, ThreadStartCalls.PROT_READ | ThreadStartCalls.PROT_WRITE,
            ThreadStartCalls.MAP_PRIVATE | ThreadStartCalls.MAP_ANONYMOUS);
        if (data == -1 || data == 0) {
            return VmThreadStart.code(VmThreadRevival.ATTRIBUTES, calls.errno());
        }
        code = data + PAGE;
        // bound and called once here, in the parent: a child calls it to find its own JavaThread
        calls.threadSelf();
        int t = TEMPLATES;
        int e = calls.mutexAttrInit(data + MUTEX_ATTR) | calls.mutexAttrSetType(data + MUTEX_ATTR, NORMAL)
            | calls.mutexAttrInit(data + OTHER_MUTEX_ATTR) | calls.mutexAttrSetType(data + OTHER_MUTEX_ATTR, RECURSIVE)
            | calls.condAttrInit(data + COND_ATTR) | calls.condAttrSetClock(data + COND_ATTR, CLOCK_MONOTONIC)
            | calls.condAttrInit(data + OTHER_COND_ATTR) | calls.condAttrSetClock(data + OTHER_COND_ATTR, CLOCK_REALTIME)
            | calls.mutexInit(data + t, data + MUTEX_ATTR) | calls.mutexInit(data + t + 64, data + OTHER_MUTEX_ATTR)
            | calls.condInit(data + t + 128, data + COND_ATTR) | calls.condInit(data + t + 192, data + OTHER_COND_ATTR)
            | calls.threadAttrInit(data + THREAD_ATTR) | calls.threadAttrSetDetachState(data + THREAD_ATTR, DETACHED)
            | calls.threadAttrInit(data + DRY_ATTR) | calls.threadAttrSetDetachState(data + DRY_ATTR, DETACHED);
        if (e != 0 || mutexSize > 64) {
            return VmThreadStart.code(VmThreadRevival.ATTRIBUTES, e);
        }
        try (SelfMemory mem = new SelfMemory(true)) {
            byte[] other = new byte[64];
            mutexWant = new byte[mutexSize];
            condWant = new byte[COND_SIZE];
            mem.read(data + t, mutexWant, mutexSize);
            mem.read(data + t + 64, other, mutexSize);
            mutexMask = differing(mutexWant, other);
            mem.read(data + t + 128, condWant, COND_SIZE);
            mem.read(data + t + 192, other, COND_SIZE);
            condMask = differing(condWant, other);
            mem.write(code, ROUTINE_X86_64);
            long stub = code + STUB_X86_64;
            mem.writeLongs(data + DRY_ARGS, 0, stub, stub, stub);
        } catch (IOException unreadable) {
            return VmThreadStart.code(VmThreadRevival.UNREADABLE, 0x7ff1);
        }
        if (calls.mprotect(code, PAGE, ThreadStartCalls.PROT_READ | ThreadStartCalls.PROT_EXEC) != 0) {
            return VmThreadStart.code(VmThreadRevival.ATTRIBUTES, calls.errno());
        }
        return VmThreadRevival.OK;
    }

    /**
     * The dry run: the routine on three functions that return at once, in a thread of the parent, on a
     * small stack of its own (kept: a stack given to glibc is not freed when its thread ends).
     */
    private void dryRun(ThreadStartCalls calls) {
        long stack = stack(calls, DRY_RUN_STACK);
        int e = stack == -1 ? calls.errno() : calls.threadAttrSetStack(data + DRY_ATTR, stack, DRY_RUN_STACK);
        if (e == 0) {
            e = calls.threadCreate(data + THREAD, data + DRY_ATTR, code, data + DRY_ARGS);
        }
        if (e != 0) {
            result = VmThreadStart.code(VmThreadRevival.THREAD_FAILED, e);
        }
    }

    /** @return the lowest address of a new stack of {@code size} bytes above a guard, or -1 with errno set */
    private static long stack(ThreadStartCalls calls, long size) {
        long base = calls.mmap(size + STACK_GUARD, ThreadStartCalls.PROT_READ | ThreadStartCalls.PROT_WRITE,
            ThreadStartCalls.MAP_PRIVATE | ThreadStartCalls.MAP_ANONYMOUS | ThreadStartCalls.MAP_NORESERVE);
        if (base == -1 || calls.mprotect(base, STACK_GUARD, ThreadStartCalls.PROT_NONE) != 0) {
            return -1;
        }
        return base + STACK_GUARD;
    }

    private static byte[] differing(byte[] a, byte[] b) {
        byte[] mask = new byte[a.length];
        for (int i = 0; i < a.length; i++) {
            mask[i] = (byte) (a[i] ^ b[i]);
        }
        return mask;
    }
}
