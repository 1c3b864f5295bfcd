package dev.jfork.jna;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import dev.jfork.spi.ThreadStartCalls;

/**
 * {@link ThreadStartCalls} with JNA direct mapping: one native call per method. Bound apart from
 * {@link LibC}, so that a libc without them (before glibc 2.34 {@code pthread_create} is in libpthread)
 * costs only the child runtime, not the backend: {@link #INSTANCE} is then null.
 */
final class JnaThreadCalls implements ThreadStartCalls {
    /** The bound calls, or null when they could not be bound. */
    static final JnaThreadCalls INSTANCE = bind();

    private JnaThreadCalls() {
    }

    private static JnaThreadCalls bind() {
        for (String library : new String[] {Platform.C_LIBRARY_NAME, "pthread"}) {
            try {
                Native.register(Calls.class, NativeLibrary.getInstance(library));
                return new JnaThreadCalls();
            } catch (UnsatisfiedLinkError | RuntimeException notThere) {
                // the next library
            }
        }
        return null;
    }

    /** The functions, registered on whichever library has them all. */
    static final class Calls {
        private Calls() {
        }

        static native long mmap(long address, long length, int prot, int flags, int fd, long offset);

        static native int mprotect(long address, long length, int prot);

        static native int pthread_mutexattr_init(long attr);

        static native int pthread_mutexattr_settype(long attr, int type);

        static native int pthread_mutex_init(long mutex, long attr);

        static native int pthread_condattr_init(long attr);

        static native int pthread_condattr_setclock(long attr, int clock);

        static native int pthread_cond_init(long cond, long attr);

        static native int pthread_attr_init(long attr);

        static native int pthread_attr_setstack(long attr, long stack, long size);

        static native int pthread_attr_setdetachstate(long attr, int state);

        static native long pthread_self();

        static native int pthread_create(long thread, long attr, long start, long argument);
    }

    @Override
    public long mmap(long length, int prot, int flags) {
        return Calls.mmap(0, length, prot, flags, -1, 0);
    }

    @Override
    public int mprotect(long address, long length, int prot) {
        return Calls.mprotect(address, length, prot);
    }

    @Override
    public int errno() {
        return Native.getLastError();
    }

    @Override
    public int mutexAttrInit(long attr) {
        return Calls.pthread_mutexattr_init(attr);
    }

    @Override
    public int mutexAttrSetType(long attr, int type) {
        return Calls.pthread_mutexattr_settype(attr, type);
    }

    @Override
    public int mutexInit(long mutex, long attr) {
        return Calls.pthread_mutex_init(mutex, attr);
    }

    @Override
    public int condAttrInit(long attr) {
        return Calls.pthread_condattr_init(attr);
    }

    @Override
    public int condAttrSetClock(long attr, int clock) {
        return Calls.pthread_condattr_setclock(attr, clock);
    }

    @Override
    public int condInit(long cond, long attr) {
        return Calls.pthread_cond_init(cond, attr);
    }

    @Override
    public int threadAttrInit(long attr) {
        return Calls.pthread_attr_init(attr);
    }

    @Override
    public int threadAttrSetStack(long attr, long stack, long size) {
        return Calls.pthread_attr_setstack(attr, stack, size);
    }

    @Override
    public int threadAttrSetDetachState(long attr, int state) {
        return Calls.pthread_attr_setdetachstate(attr, state);
    }

    @Override
    public long threadSelf() {
        return Calls.pthread_self();
    }

    @Override
    public int threadCreate(long thread, long attr, long start, long argument) {
        return Calls.pthread_create(thread, attr, start, argument);
    }
}
