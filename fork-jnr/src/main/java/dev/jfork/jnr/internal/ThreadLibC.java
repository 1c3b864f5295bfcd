package dev.jfork.jnr.internal;

import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.SaveError;
import jnr.ffi.types.intptr_t;
import jnr.ffi.types.size_t;

/**
 * The libc functions with which jfork starts HotSpot's VM thread again in a forked child
 * ({@code dev.jfork.spi.ThreadStartCalls}), bound with jnr-ffi apart from {@link LibC}, so that a libc
 * without them (before glibc 2.34 the {@code pthread_*} functions are in libpthread) costs only that
 * feature, not the backend. Internal to the jnr backend; not an API: public, and its package exported,
 * for the same reason as {@link LibC}.
 *
 * <p>{@code mmap} is not here: jnr-ffi 2.2.17's generated calls pass a sixth argument as garbage (measured:
 * an {@code off_t} of {@code 0x7f46b09455da} for 0, so {@code mmap} failed with {@code EINVAL}); it is called
 * through jffi itself ({@code dev.jfork.jnr.JnrThreadCalls}).
 *
 * <p>Every address and size is a Java {@code long} marked {@link intptr_t} or {@link size_t} (LP64 Linux
 * only). The {@code pthread_*} functions return an error number and set no errno.
 */
public interface ThreadLibC {
    /**
     * {@code int mprotect(void *addr, size_t length, int prot)}.
     *
     * @param address page-aligned
     * @param length bytes
     * @param prot the new protection
     * @return 0, or -1 with errno
     */
    @SaveError
    int mprotect(@intptr_t long address, @size_t long length, int prot);

    /**
     * {@code pthread_mutexattr_init}.
     *
     * @param attr a {@code pthread_mutexattr_t}
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_mutexattr_init(@intptr_t long attr);

    /**
     * {@code pthread_mutexattr_settype}.
     *
     * @param attr the attributes
     * @param type the type
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_mutexattr_settype(@intptr_t long attr, int type);

    /**
     * {@code pthread_mutex_init}.
     *
     * @param mutex a {@code pthread_mutex_t}
     * @param attr its attributes
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_mutex_init(@intptr_t long mutex, @intptr_t long attr);

    /**
     * {@code pthread_condattr_init}.
     *
     * @param attr a {@code pthread_condattr_t}
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_condattr_init(@intptr_t long attr);

    /**
     * {@code pthread_condattr_setclock}.
     *
     * @param attr the attributes
     * @param clock the clock
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_condattr_setclock(@intptr_t long attr, int clock);

    /**
     * {@code pthread_cond_init}.
     *
     * @param cond a {@code pthread_cond_t}
     * @param attr its attributes
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_cond_init(@intptr_t long cond, @intptr_t long attr);

    /**
     * {@code pthread_attr_init}.
     *
     * @param attr a {@code pthread_attr_t}
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_attr_init(@intptr_t long attr);

    /**
     * {@code pthread_attr_setstack}.
     *
     * @param attr the attributes
     * @param stack the stack's lowest address
     * @param size its size
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_attr_setstack(@intptr_t long attr, @intptr_t long stack, @size_t long size);

    /**
     * {@code pthread_attr_setdetachstate}.
     *
     * @param attr the attributes
     * @param state the state
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_attr_setdetachstate(@intptr_t long attr, int state);

    /**
     * {@code pthread_self}.
     *
     * @return the calling thread's {@code pthread_t}
     */
    @IgnoreError
    @intptr_t long pthread_self();

    /**
     * {@code pthread_create}.
     *
     * @param thread where the {@code pthread_t} is written
     * @param attr its attributes
     * @param start the start routine's address
     * @param argument its argument
     * @return 0 or an error number
     */
    @IgnoreError
    int pthread_create(@intptr_t long thread, @intptr_t long attr, @intptr_t long start, @intptr_t long argument);
}
