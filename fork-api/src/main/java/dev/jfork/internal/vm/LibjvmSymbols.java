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
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Where local symbols of this JVM's {@code libjvm.so} are in memory, from the library's ELF symbol table
 * (the one {@code nm} reads; HotSpot's file-local statics and most of its functions are not in the
 * dynamic table) and its load address in {@code /proc/self/maps}. A forked child has the same addresses.
 * A {@code libjvm.so} without a symbol table finds nothing. Reads this process's memory through
 * {@code /proc/self/mem}, which needs no native call.
 */
public final class LibjvmSymbols {
    private static final int SHT_SYMTAB = 2;
    private static final int PT_LOAD = 1;
    private static final int STT_OBJECT = 1;

    private LibjvmSymbols() {
    }

    /**
     * Finds symbols by their (mangled) names.
     *
     * @param names the names
     * @return for each name found, {address in this process, size in bytes, ELF symbol type}
     * @throws IOException when libjvm.so is not mapped, cannot be read, or is not a 64-bit little-endian ELF
     *     file
     */
    public static Map<String, long[]> find(List<String> names) throws IOException {
        return read((elf, bias, found) -> eachSymbol(elf, byName(elf, names, bias, found)));
    }

    /**
     * Finds symbols by their (mangled) names, and in the same pass every pointer-sized data object whose
     * name ends with {@code suffix}, e.g. HotSpot's named locks ({@code Heap_lock}, {@code Terminator_lock}:
     * each a pointer to its {@code Mutex}).
     *
     * @param names the names
     * @param suffix the end of the objects' names
     * @return for each name found, {address in this process, size in bytes, ELF symbol type}
     * @throws IOException as {@link #find(List)}
     */
    public static Map<String, long[]> find(List<String> names, String suffix) throws IOException {
        byte[] end = suffix.getBytes(StandardCharsets.US_ASCII);
        return read((elf, bias, found) -> {
            SymbolVisitor named = byName(elf, names, bias, found);
            eachSymbol(elf, (symbol, name) -> {
                named.visit(symbol, name);
                // the size first: a few thousand of some 58,000 symbols are 8-byte objects
                if (elf.getLong(symbol + 16) == 8 && (elf.get(symbol + 4) & 0xf) == STT_OBJECT
                        && endsWith(elf, name, end)) {
                    found.put(nameAt(elf, name), entry(elf, symbol, bias));
                }
            });
        });
    }

    /** What a scan does with the mapped file, its load bias and the map it fills. */
    private interface Scan {
        void run(MappedByteBuffer elf, long bias, Map<String, long[]> found);
    }

    /** What is done with each symbol: its entry's offset and its name's offset in the file. */
    private interface SymbolVisitor {
        void visit(int symbol, int name);
    }

    private static Map<String, long[]> read(Scan scan) throws IOException {
        Path libjvm = null;
        long mappedAt = -1;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.US_ASCII)) {
            String[] f = line.trim().split("\\s+");
            // private: the loader's mapping, not a reader's (this class's own map of the file is shared)
            if (f.length >= 6 && f[5].endsWith("/libjvm.so") && f[1].endsWith("p") && Long.parseLong(f[2], 16) == 0) {
                libjvm = Path.of(f[5]);
                mappedAt = Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
                break;
            }
        }
        if (libjvm == null) {
            throw new IOException("libjvm.so is not in /proc/self/maps");
        }
        try (FileChannel file = FileChannel.open(libjvm, StandardOpenOption.READ)) {
            MappedByteBuffer elf = file.map(FileChannel.MapMode.READ_ONLY, 0, file.size());
            elf.order(ByteOrder.LITTLE_ENDIAN);
            if (elf.getInt(0) != 0x464c457f || elf.get(4) != 2 || elf.get(5) != 1) {
                throw new IOException(libjvm + " is not a 64-bit little-endian ELF file");
            }
            long bias = mappedAt - firstLoadAddress(elf);
            Map<String, long[]> found = new HashMap<>();
            scan.run(elf, bias, found);
            return found;
        }
    }

    /**
     * Reads 8 bytes of this process's memory, little-endian.
     *
     * @param address where
     * @return the value
     * @throws IOException when the address is not mapped
     */
    public static long readLong(long address) throws IOException {
        try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "r")) {
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

    /** @return a visitor that puts each symbol named in {@code names} into {@code found} */
    private static SymbolVisitor byName(MappedByteBuffer elf, List<String> names, long bias, Map<String, long[]> found) {
        byte[][] wanted = new byte[names.size()][];
        // the first 8 bytes of each name (its NUL too when shorter), compared before the whole name:
        // a cold scan of some 58,000 names otherwise costs 100 ms, and more than a second under emulation
        long[] heads = new long[wanted.length];
        long[] masks = new long[wanted.length];
        for (int i = 0; i < wanted.length; i++) {
            wanted[i] = (names.get(i) + '\0').getBytes(StandardCharsets.US_ASCII);
            for (int b = 0; b < Math.min(8, wanted[i].length); b++) {
                heads[i] |= (wanted[i][b] & 0xffL) << (8 * b);
                masks[i] |= 0xffL << (8 * b);
            }
        }
        int limit = elf.limit() - 8;
        return (symbol, name) -> {
            long head = name <= limit ? elf.getLong(name) : 0;
            for (int w = 0; w < wanted.length; w++) {
                if ((head & masks[w]) == heads[w] && !found.containsKey(names.get(w)) && nameIs(elf, name, wanted[w])) {
                    found.put(names.get(w), entry(elf, symbol, bias));
                }
            }
        };
    }

    private static long[] entry(MappedByteBuffer elf, int symbol, long bias) {
        return new long[] {bias + elf.getLong(symbol + 8), elf.getLong(symbol + 16), elf.get(symbol + 4) & 0xf};
    }

    private static void eachSymbol(MappedByteBuffer elf, SymbolVisitor visitor) {
        long shoff = elf.getLong(0x28);
        int shentsize = elf.getShort(0x3a) & 0xffff;
        int shnum = elf.getShort(0x3c) & 0xffff;
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
                visitor.visit(symbol, strings + elf.getInt(symbol));
            }
        }
    }

    /** Whether the NUL-terminated name at {@code at} ends with {@code end}. */
    private static boolean endsWith(MappedByteBuffer elf, int at, byte[] end) {
        int nul = at;
        while (nul < elf.limit() && elf.get(nul) != 0) {
            nul++;
        }
        if (nul - at < end.length) {
            return false;
        }
        for (int i = 0; i < end.length; i++) {
            if (elf.get(nul - end.length + i) != end[i]) {
                return false;
            }
        }
        return true;
    }

    private static String nameAt(MappedByteBuffer elf, int at) {
        StringBuilder name = new StringBuilder();
        for (int i = at; i < elf.limit() && elf.get(i) != 0; i++) {
            name.append((char) elf.get(i));
        }
        return name.toString();
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

    /** @return the printable NUL-terminated string at {@code address} (at most 64 bytes), null when there is none */
    static String cString(long address) {
        if (address == 0 || address < 0) {
            return null;
        }
        byte[] bytes = new byte[64];
        try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "r")) {
            mem.seek(address);
            int n = mem.read(bytes);
            for (int i = 0; i < n; i++) {
                if (bytes[i] == 0) {
                    return i > 0 ? new String(bytes, 0, i, StandardCharsets.US_ASCII) : null;
                }
                if (bytes[i] < 0x20 || bytes[i] > 0x7e) {
                    return null;
                }
            }
            return null;
        } catch (IOException unmapped) {
            return null;
        }
    }
}
