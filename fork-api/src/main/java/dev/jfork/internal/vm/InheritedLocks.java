package dev.jfork.internal.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HotSpot locks that ordinary Java needs in a child, looked at in the child before its start byte:
 * the arena chunk pool's mutex, and HotSpot's named mutexes ({@link VmMutexes}: the heap's, the compile
 * queue's, the code cache's and the others). Arena memory (the VM's scratch space for linking a lambda,
 * cloning an array, making a method's profile, a deoptimisation) comes from one global chunk pool under
 * one mutex: {@code ThreadCritical}'s
 * {@code tc_mutex} up to JDK 23, {@code GlobalChunkPoolMutex} since. Held at the fork by another thread
 * of the parent, which the child does not have, it is held for ever in the child: gdb showed everyday
 * tasks deadlocked there on jnr (4 of 17 runs) and once in the kit on jni. The child reads the mutex's
 * lock word from {@code /proc/self/mem}; if that or a named mutex is held, it ends before its start byte
 * with {@link #EXIT_LOCK_HELD} and the parent forks it again at once.
 *
 * <p>The mutex is a local symbol of {@code libjvm.so}, found in its ELF symbol table once, in the
 * parent. A JDK whose {@code libjvm.so} has no symbol table, or a layout not recognised, is not checked
 * (the deadlock poller still reports such a child within a second).
 */
public final class InheritedLocks {
    /** Exit code of a child that found the lock held at its fork: 75, EX_TEMPFAIL (try again). */
    public static final int EXIT_LOCK_HELD = 75;
    private static final String MEM = "/proc/self/mem";
    /** Their symbols: C++ file-local statics, so mangled ({@code _ZL}, the name's length, the name). */
    private static final List<String> MUTEXES = List.of("_ZL8tc_mutex", "_ZL20GlobalChunkPoolMutex");
    private static final int STT_OBJECT = 1;
    private static final AtomicBoolean LOCATED = new AtomicBoolean();
    /** The address of the mutex's lock word (its first int), or 0 when not known. */
    private static volatile long lockWord;
    /** What was found, or why nothing was. */
    private static volatile String found = "not looked for yet";
    /** HotSpot's named mutexes, null until located. */
    private static volatile VmMutexes vmMutexes;

    private InheritedLocks() {
    }

    /** In the parent, once per JVM: finds the mutex, and reads its lock word once (so that path is warm). */
    public static void locateOnce() {
        if (LOCATED.get() || !LOCATED.compareAndSet(false, true)) {
            return;
        }
        try {
            lockWord = locate();
        } catch (IOException | RuntimeException e) {
            lockWord = 0;
            found = "not checked: " + e.getMessage();
        }
        vmMutexes = VmMutexes.locate();
        heldAtFork();
    }

    /** @return the address of the lock word checked in each child, 0 when none (for tests and diagnostics) */
    public static long lockWordAddress() {
        return lockWord;
    }

    /** @return what is checked in each child, or why nothing is (for diagnostics) */
    public static String describe() {
        VmMutexes mutexes = vmMutexes;
        return found + "; " + (mutexes == null ? "VM mutexes not looked for yet" : mutexes.describe());
    }

    /**
     * In the child, before its start byte: whether the chunk pool's mutex, or one of HotSpot's named
     * mutexes ({@link VmMutexes}), was held when it was forked.
     *
     * @return true when one was (the child would deadlock when it first needs it); false when all were
     *     free or cannot be read
     */
    public static boolean heldAtFork() {
        VmMutexes mutexes = vmMutexes;
        return chunkPoolHeld() || mutexes != null && mutexes.anyHeld();
    }

    private static boolean chunkPoolHeld() {
        long at = lockWord;
        if (at == 0) {
            return false;
        }
        try (RandomAccessFile mem = new RandomAccessFile(MEM, "r")) {
            mem.seek(at);
            // the lock word of a glibc mutex: 0 when free, 1 or 2 when held
            return mem.readInt() != 0;
        } catch (IOException unreadable) {
            return false;
        }
    }

    private static long locate() throws IOException {
        Map<String, long[]> symbols = LibjvmSymbols.find(MUTEXES);
        for (String name : MUTEXES) {
            long[] symbol = symbols.get(name);
            if (symbol == null || symbol[2] != STT_OBJECT) {
                continue;
            }
            long address = symbol[0];
            long size = symbol[1];
            if (size == 40 || size == 48) {
                // the pthread_mutex_t itself (40 bytes on x86_64, 48 on aarch64)
                found = name + " at 0x" + Long.toHexString(address);
                return address;
            }
            if (size == 8) {
                // a pointer to a PlatformMutex, whose first member is its pthread_mutex_t
                long mutex = LibjvmSymbols.readLong(address);
                found = mutex == 0 ? "not checked: " + name + " is not set" : name + " -> 0x" + Long.toHexString(mutex);
                return mutex;
            }
            found = "not checked: " + name + " is " + size + " bytes, a layout not known";
            return 0;
        }
        found = "not checked: libjvm.so has no symbol " + String.join(" or ", MUTEXES)
            + " (no symbol table, or another JDK)";
        return 0;
    }
}
