package dev.jfork.jnr;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Library;
import com.kenai.jffi.Type;
import dev.jfork.jnr.internal.ThreadLibC;
import dev.jfork.spi.ThreadStartCalls;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Platform;

/**
 * {@link ThreadStartCalls} on jnr-ffi's {@link ThreadLibC}: one native call per method. {@link #INSTANCE}
 * is null when the functions cannot be bound (then only the child runtime is missing on jnr). {@code mmap}
 * has six arguments, which jnr-ffi's generated calls do not pass whole (see {@link ThreadLibC}): it is called
 * through jffi's invoker, with errno saved where jnr-ffi reads it.
 */
final class JnrThreadCalls implements ThreadStartCalls {
    /** The bound calls, or null when they could not be bound. */
    static final JnrThreadCalls INSTANCE = bind();

    /** {@code void *mmap(void *, size_t, int, int, int, off_t)}, errno saved. */
    private static final CallContext MMAP_CONTEXT = CallContext.getCallContext(Type.POINTER,
        new Type[] {Type.POINTER, Type.ULONG, Type.SINT32, Type.SINT32, Type.SINT32, Type.SLONG},
        CallingConvention.DEFAULT, true);

    private final ThreadLibC libc;
    private final jnr.ffi.Runtime runtime;
    private final long mmapAddress;

    private JnrThreadCalls(ThreadLibC libc, long mmapAddress) {
        this.libc = libc;
        this.runtime = jnr.ffi.Runtime.getRuntime(libc);
        this.mmapAddress = mmapAddress;
    }

    private static JnrThreadCalls bind() {
        String c = Platform.getNativePlatform().getStandardCLibraryName();
        try {
            Library libcItself = Library.getCachedInstance(c, Library.NOW | Library.LOCAL);
            long mmap = libcItself == null ? 0 : libcItself.getSymbolAddress("mmap");
            if (mmap == 0) {
                return null;
            }
            for (String library : new String[] {c, "pthread"}) {
                try {
                    return new JnrThreadCalls(LibraryLoader.create(ThreadLibC.class).failImmediately().load(library), mmap);
                } catch (UnsatisfiedLinkError | RuntimeException notThere) {
                    // the next library
                }
            }
        } catch (UnsatisfiedLinkError | RuntimeException noJffi) {
            // no child runtime on jnr
        }
        return null;
    }

    @Override
    public long mmap(long length, int prot, int flags) {
        return Invoker.getInstance().invokeN6(MMAP_CONTEXT, mmapAddress, 0, length, prot, flags, -1, 0);
    }

    @Override
    public int mprotect(long address, long length, int prot) {
        return libc.mprotect(address, length, prot);
    }

    @Override
    public int errno() {
        return LastError.getLastError(runtime);
    }

    @Override
    public int mutexAttrInit(long attr) {
        return libc.pthread_mutexattr_init(attr);
    }

    @Override
    public int mutexAttrSetType(long attr, int type) {
        return libc.pthread_mutexattr_settype(attr, type);
    }

    @Override
    public int mutexInit(long mutex, long attr) {
        return libc.pthread_mutex_init(mutex, attr);
    }

    @Override
    public int condAttrInit(long attr) {
        return libc.pthread_condattr_init(attr);
    }

    @Override
    public int condAttrSetClock(long attr, int clock) {
        return libc.pthread_condattr_setclock(attr, clock);
    }

    @Override
    public int condInit(long cond, long attr) {
        return libc.pthread_cond_init(cond, attr);
    }

    @Override
    public int threadAttrInit(long attr) {
        return libc.pthread_attr_init(attr);
    }

    @Override
    public int threadAttrSetStack(long attr, long stack, long size) {
        return libc.pthread_attr_setstack(attr, stack, size);
    }

    @Override
    public int threadAttrSetDetachState(long attr, int state) {
        return libc.pthread_attr_setdetachstate(attr, state);
    }

    @Override
    public long threadSelf() {
        return libc.pthread_self();
    }

    @Override
    public int threadCreate(long thread, long attr, long start, long argument) {
        return libc.pthread_create(thread, attr, start, argument);
    }
}
