package dev.jfork.internal.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The HotSpot lock that ordinary Java needs most in a child, looked at in the child before its start
 * byte. Arena memory (the VM's scratch space for linking a lambda, cloning an array, making a method's
 * profile, a deoptimisation) comes from one global chunk pool under one mutex: {@code ThreadCritical}'s
 * {@code tc_mutex} up to JDK 23, {@code GlobalChunkPoolMutex} since. Held at the fork by another thread
 * of the parent, which the child does not have, it is held for ever in the child: gdb showed everyday
 * tasks deadlocked there on jnr (4 of 17 runs) and once in the kit on jni. The child reads the mutex's
 * lock word from {@code /proc/self/mem}; held, it ends before its start byte with {@link #EXIT_LOCK_HELD}
 * and the parent forks it again at once.
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
    private static final int SHT_SYMTAB = 2;
    private static final int PT_LOAD = 1;
    private static final int STT_OBJECT = 1;
    private static final AtomicBoolean LOCATED = new AtomicBoolean();
    /** The address of the mutex's lock word (its first int), or 0 when not known. */
    private static volatile long lockWord;
    /** What was found, or why nothing was. */
    private static volatile String found = "not looked for yet";

    private InheritedLocks() {
    }

    /** In the parent, once per JVM: finds the mutex, and reads its lock word once (so that path is warm). */
    public static void locateOnce() {
        if (LOCATED.get() || !LOCATED.compareAndSet(false, true)) {
            return;
        }
        try {
            lockWord = locate();
            heldAtFork();
        } catch (IOException | RuntimeException e) {
            lockWord = 0;
            found = "not checked: " + e.getMessage();
        }
    }

    /** @return the address of the lock word checked in each child, 0 when none (for tests and diagnostics) */
    public static long lockWordAddress() {
        return lockWord;
    }

    /** @return what is checked in each child, or why nothing is (for diagnostics) */
    public static String describe() {
        return found;
    }

    /**
     * In the child, before its start byte: whether the chunk pool's mutex was held when it was forked.
     *
     * @return true when it was (the child would deadlock at its first arena allocation); false when it
     *     was free or cannot be read
     */
    public static boolean heldAtFork() {
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
        Path libjvm = null;
        long mappedAt = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.US_ASCII)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[5].endsWith("/libjvm.so") && Long.parseLong(f[2], 16) == 0) {
                libjvm = Path.of(f[5]);
                mappedAt = Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
                break;
            }
        }
        if (libjvm == null) {
            found = "not checked: libjvm.so is not in /proc/self/maps";
            return 0;
        }
        try (FileChannel file = FileChannel.open(libjvm, StandardOpenOption.READ)) {
            MappedByteBuffer elf = file.map(FileChannel.MapMode.READ_ONLY, 0, file.size());
            elf.order(ByteOrder.LITTLE_ENDIAN);
            if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
                found = "not checked: " + libjvm + " is not a 64-bit little-endian ELF file";
                return 0;
            }
            long bias = mappedAt - firstLoadAddress(elf);
            long[] symbol = findSymbol(elf);
            if (symbol == null) {
                found = "not checked: " + libjvm + " has no symbol " + String.join(" or ", MUTEXES)
                    + " (no symbol table, or another JDK)";
                return 0;
            }
            long address = bias + symbol[0];
            long size = symbol[1];
            String name = MUTEXES.get((int) symbol[2]);
            if (size == 40 || size == 48) {
                // the pthread_mutex_t itself (40 bytes on x86_64, 48 on aarch64)
                found = name + " at 0x" + Long.toHexString(address);
                return address;
            }
            if (size == 8) {
                // a pointer to a PlatformMutex, whose first member is its pthread_mutex_t
                long mutex = readLong(address);
                found = mutex == 0 ? "not checked: " + name + " is not set" : name + " -> 0x" + Long.toHexString(mutex);
                return mutex;
            }
            found = "not checked: " + name + " is " + size + " bytes, a layout not known";
            return 0;
        }
    }

    /** The virtual address that file offset 0 is loaded at, relative to the load bias. */
    private static long firstLoadAddress(MappedByteBuffer elf) throws IOException {
        long phoff = elf.getLong(0x20);
        int phentsize = elf.getShort(0x36) & 0xffff;
        int phnum = elf.getShort(0x38) & 0xffff;
        for (int i = 0; i < phnum; i++) {
            int at = Math.toIntExact(phoff + (long) i * phentsize);
            if (elf.getInt(at) == PT_LOAD && elf.getLong(at + 8) == 0) {
                return elf.getLong(at + 16) & ~0xfffL;
            }
        }
        throw new IOException("libjvm.so has no loadable segment at offset 0");
    }

    /** @return {value, size, index in MUTEXES} of the first of them in the symbol table, or null */
    private static long[] findSymbol(MappedByteBuffer elf) {
        long shoff = elf.getLong(0x28);
        int shentsize = elf.getShort(0x3a) & 0xffff;
        int shnum = elf.getShort(0x3c) & 0xffff;
        byte[][] wanted = new byte[MUTEXES.size()][];
        for (int i = 0; i < wanted.length; i++) {
            wanted[i] = (MUTEXES.get(i) + '\0').getBytes(StandardCharsets.US_ASCII);
        }
        for (int s = 0; s < shnum; s++) {
            int header = Math.toIntExact(shoff + (long) s * shentsize);
            if (elf.getInt(header + 4) != SHT_SYMTAB) {
                continue;
            }
            long symbols = elf.getLong(header + 24);
            long symbolsSize = elf.getLong(header + 32);
            int link = elf.getInt(header + 40);
            long entry = elf.getLong(header + 56);
            int strings = Math.toIntExact(elf.getLong(Math.toIntExact(shoff + (long) link * shentsize) + 24));
            for (long at = symbols; entry > 0 && at + entry <= symbols + symbolsSize; at += entry) {
                int symbol = Math.toIntExact(at);
                if ((elf.get(symbol + 4) & 0xf) != STT_OBJECT) {
                    continue;
                }
                int name = strings + elf.getInt(symbol);
                for (int w = 0; w < wanted.length; w++) {
                    if (nameIs(elf, name, wanted[w])) {
                        return new long[] {elf.getLong(symbol + 8), elf.getLong(symbol + 16), w};
                    }
                }
            }
        }
        return null;
    }

    private static boolean nameIs(MappedByteBuffer elf, int at, byte[] name) {
        if (at + name.length > elf.limit()) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (elf.get(at + i) != name[i]) {
                return false;
            }
        }
        return true;
    }

    private static long readLong(long address) throws IOException {
        try (RandomAccessFile mem = new RandomAccessFile(MEM, "r")) {
            mem.seek(address);
            byte[] bytes = new byte[8];
            mem.readFully(bytes);
            long value = 0;
            for (int i = 7; i >= 0; i--) {
                value = (value << 8) | (bytes[i] & 0xff);
            }
            return value;
        }
    }
}
