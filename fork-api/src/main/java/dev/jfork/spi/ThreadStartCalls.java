package dev.jfork.spi;

/**
 * An optional capability of a {@link ProcessForker}: the libc functions with which jfork starts HotSpot's
 * VM thread again in a forked child ({@code -Dfork.childRuntime=vm}, see {@link dev.jfork.ChildRuntimeReport})
 * on a backend that has no C of its own for it. Each method is one native call on plain native addresses
 * ({@code long}s; jfork runs on LP64 Linux only) and nothing else; jfork's {@code fork-api} does the rest
 * (the checks, the memory it reads and writes, the start routine). The {@code pthread_*} functions return 0
 * or an error number, as in C; {@link #mmap} and {@link #mprotect} report through {@link #errno()}.
 */
public interface ThreadStartCalls {
    /** {@code PROT_READ}. */
    int PROT_READ = 1;
    /** {@code PROT_WRITE}. */
    int PROT_WRITE = 2;
    /** {@code PROT_EXEC}. */
    int PROT_EXEC = 4;
    /** {@code MAP_PRIVATE}. */
    int MAP_PRIVATE = 0x02;
    /** {@code MAP_ANONYMOUS} (Linux). */
    int MAP_ANONYMOUS = 0x20;
    /** {@code MAP_NORESERVE} (Linux). */
    int MAP_NORESERVE = 0x4000;
    /** {@code PROT_NONE}. */
    int PROT_NONE = 0;

    /**
     * {@code mmap(NULL, length, prot, flags, -1, 0)}.
     *
     * @param length bytes
     * @param prot e.g. {@link #PROT_READ} | {@link #PROT_WRITE}
     * @param flags e.g. {@link #MAP_PRIVATE} | {@link #MAP_ANONYMOUS}
     * @return the mapping's address, or -1 ({@code MAP_FAILED}) with errno set
     */
    long mmap(long length, int prot, int flags);

    /**
     * {@code mprotect(address, length, prot)}.
     *
     * @param address page-aligned
     * @param length bytes
     * @param prot the new protection
     * @return 0, or -1 with errno set
     */
    int mprotect(long address, long length, int prot);

    /**
     * The calling thread's errno after the last call that sets it.
     *
     * @return errno
     */
    int errno();

    /**
     * {@code pthread_mutexattr_init}.
     *
     * @param attr a {@code pthread_mutexattr_t}
     * @return 0 or an error number
     */
    int mutexAttrInit(long attr);

    /**
     * {@code pthread_mutexattr_settype}.
     *
     * @param attr an initialised {@code pthread_mutexattr_t}
     * @param type e.g. {@code PTHREAD_MUTEX_NORMAL} (0)
     * @return 0 or an error number
     */
    int mutexAttrSetType(long attr, int type);

    /**
     * {@code pthread_mutex_init}.
     *
     * @param mutex a {@code pthread_mutex_t}
     * @param attr its attributes
     * @return 0 or an error number
     */
    int mutexInit(long mutex, long attr);

    /**
     * {@code pthread_condattr_init}.
     *
     * @param attr a {@code pthread_condattr_t}
     * @return 0 or an error number
     */
    int condAttrInit(long attr);

    /**
     * {@code pthread_condattr_setclock}.
     *
     * @param attr an initialised {@code pthread_condattr_t}
     * @param clock e.g. {@code CLOCK_MONOTONIC} (1)
     * @return 0 or an error number
     */
    int condAttrSetClock(long attr, int clock);

    /**
     * {@code pthread_cond_init}.
     *
     * @param cond a {@code pthread_cond_t}
     * @param attr its attributes
     * @return 0 or an error number
     */
    int condInit(long cond, long attr);

    /**
     * {@code pthread_attr_init}.
     *
     * @param attr a {@code pthread_attr_t}
     * @return 0 or an error number
     */
    int threadAttrInit(long attr);

    /**
     * {@code pthread_attr_setstack}.
     *
     * @param attr an initialised {@code pthread_attr_t}
     * @param stack the stack's lowest address
     * @param size the stack's size in bytes
     * @return 0 or an error number
     */
    int threadAttrSetStack(long attr, long stack, long size);

    /**
     * {@code pthread_attr_setdetachstate}.
     *
     * @param attr an initialised {@code pthread_attr_t}
     * @param state e.g. {@code PTHREAD_CREATE_DETACHED} (1)
     * @return 0 or an error number
     */
    int threadAttrSetDetachState(long attr, int state);

    /**
     * {@code pthread_self()}: in a forked child, the forking thread's {@code pthread_t} in the parent, which
     * HotSpot recorded for that thread ({@code OSThread::_pthread_id}).
     *
     * @return the calling thread's {@code pthread_t}
     */
    long threadSelf();

    /**
     * {@code pthread_create(thread, attr, start, argument)}.
     *
     * @param thread where the new {@code pthread_t} is written
     * @param attr its attributes
     * @param start the start routine's address
     * @param argument its argument
     * @return 0 or an error number
     */
    int threadCreate(long thread, long attr, long start, long argument);
}
