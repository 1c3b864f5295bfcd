package dev.jfork.ffm.internal;

import static dev.jfork.ffm.internal.Libc.rethrow;
import static dev.jfork.ffm.internal.Libc.scratch;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jfork.spi.ThreadStartCalls;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;

/**
 * {@link ThreadStartCalls} as downcall handles: one native call per method, each handle made when this
 * class initialises, in the parent (the first {@code threadStartCalls()}), so a child looks nothing up.
 * Bound apart from {@link Libc}, so that a libc without them (before glibc 2.34 the {@code pthread_*}
 * functions are in libpthread, which the default lookup does not search) costs only the child runtime:
 * {@link #INSTANCE} is then null. Addresses are {@code long}s (LP64 Linux only); {@code mmap} and
 * {@code mprotect} capture errno in the calling thread's scratch memory, where {@link #errno()} reads it.
 */
@SuppressWarnings("restricted") // native access is the point of this class
final class FfmThreadCalls implements ThreadStartCalls {
    /** The bound calls, or null when they could not be bound. */
    static final FfmThreadCalls INSTANCE = bind();

    private final MethodHandle mmap;
    private final MethodHandle mprotect;
    private final MethodHandle mutexAttrInit;
    private final MethodHandle mutexAttrSetType;
    private final MethodHandle mutexInit;
    private final MethodHandle condAttrInit;
    private final MethodHandle condAttrSetClock;
    private final MethodHandle condInit;
    private final MethodHandle threadAttrInit;
    private final MethodHandle threadAttrSetStack;
    private final MethodHandle threadAttrSetDetachState;
    private final MethodHandle threadCreate;
    private final MethodHandle threadSelf;

    private FfmThreadCalls() {
        Linker linker = Linker.nativeLinker();
        SymbolLookup libc = linker.defaultLookup();
        Linker.Option errno = Linker.Option.captureCallState("errno");
        FunctionDescriptor oneAddress = FunctionDescriptor.of(JAVA_INT, JAVA_LONG);
        FunctionDescriptor addressInt = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT);
        FunctionDescriptor twoAddresses = FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG);
        mmap = bind(linker, libc, "mmap", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT,
            JAVA_INT, JAVA_LONG), errno);
        mprotect = bind(linker, libc, "mprotect", FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT), errno);
        mutexAttrInit = bind(linker, libc, "pthread_mutexattr_init", oneAddress);
        mutexAttrSetType = bind(linker, libc, "pthread_mutexattr_settype", addressInt);
        mutexInit = bind(linker, libc, "pthread_mutex_init", twoAddresses);
        condAttrInit = bind(linker, libc, "pthread_condattr_init", oneAddress);
        condAttrSetClock = bind(linker, libc, "pthread_condattr_setclock", addressInt);
        condInit = bind(linker, libc, "pthread_cond_init", twoAddresses);
        threadAttrInit = bind(linker, libc, "pthread_attr_init", oneAddress);
        threadAttrSetStack = bind(linker, libc, "pthread_attr_setstack",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        threadAttrSetDetachState = bind(linker, libc, "pthread_attr_setdetachstate", addressInt);
        threadSelf = bind(linker, libc, "pthread_self", FunctionDescriptor.of(JAVA_LONG));
        threadCreate = bind(linker, libc, "pthread_create",
            FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
    }

    private static FfmThreadCalls bind() {
        try {
            return new FfmThreadCalls();
        } catch (UnsatisfiedLinkError | RuntimeException notThere) {
            return null;
        }
    }

    private static MethodHandle bind(Linker linker, SymbolLookup libc, String name, FunctionDescriptor descriptor,
                                     Linker.Option... options) {
        return linker.downcallHandle(libc.find(name)
            .orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name)), descriptor, options);
    }

    @Override
    public long mmap(long length, int prot, int flags) {
        try {
            return (long) mmap.invokeExact(scratch().capture, 0L, length, prot, flags, -1, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int mprotect(long address, long length, int prot) {
        try {
            return (int) mprotect.invokeExact(scratch().capture, address, length, prot);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int errno() {
        return Libc.errno(scratch().capture);
    }

    @Override
    public int mutexAttrInit(long attr) {
        return call(mutexAttrInit, attr);
    }

    @Override
    public int mutexAttrSetType(long attr, int type) {
        return call(mutexAttrSetType, attr, type);
    }

    @Override
    public int mutexInit(long mutex, long attr) {
        return call(mutexInit, mutex, attr);
    }

    @Override
    public int condAttrInit(long attr) {
        return call(condAttrInit, attr);
    }

    @Override
    public int condAttrSetClock(long attr, int clock) {
        return call(condAttrSetClock, attr, clock);
    }

    @Override
    public int condInit(long cond, long attr) {
        return call(condInit, cond, attr);
    }

    @Override
    public int threadAttrInit(long attr) {
        return call(threadAttrInit, attr);
    }

    @Override
    public int threadAttrSetStack(long attr, long stack, long size) {
        try {
            return (int) threadAttrSetStack.invokeExact(attr, stack, size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int threadAttrSetDetachState(long attr, int state) {
        return call(threadAttrSetDetachState, attr, state);
    }

    @Override
    public long threadSelf() {
        try {
            return (long) threadSelf.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    @Override
    public int threadCreate(long thread, long attr, long start, long argument) {
        try {
            return (int) threadCreate.invokeExact(thread, attr, start, argument);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int call(MethodHandle handle, long address) {
        try {
            return (int) handle.invokeExact(address);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int call(MethodHandle handle, long address, int value) {
        try {
            return (int) handle.invokeExact(address, value);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int call(MethodHandle handle, long first, long second) {
        try {
            return (int) handle.invokeExact(first, second);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
