package dev.jfork.internal.vm;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * HotSpot's own description of its layout, the tables the Serviceability Agent reads
 * ({@code gHotSpotVMStructs}: each field's type, name, offset or, for a static field, address;
 * {@code gHotSpotVMIntConstants}: named constants such as thread states). Read once in the parent from
 * {@code /proc/self/mem}; what is not in the tables is not found, and its caller fails closed.
 */
final class VmStructs {
    private static final String[] STRUCT_SYMBOLS = {"gHotSpotVMStructs", "gHotSpotVMStructEntryTypeNameOffset",
        "gHotSpotVMStructEntryFieldNameOffset", "gHotSpotVMStructEntryIsStaticOffset", "gHotSpotVMStructEntryOffsetOffset",
        "gHotSpotVMStructEntryAddressOffset", "gHotSpotVMStructEntryArrayStride"};
    private static final String[] CONSTANT_SYMBOLS = {"gHotSpotVMIntConstants", "gHotSpotVMIntConstantEntryNameOffset",
        "gHotSpotVMIntConstantEntryValueOffset", "gHotSpotVMIntConstantEntryArrayStride"};
    /** More entries than this is not the table known here. */
    private static final int MOST_ENTRIES = 20_000;

    /** "Type::field" to its offset (non-static) or address (static). */
    private final Map<String, Long> fields;
    private final Map<String, Integer> constants;

    private VmStructs(Map<String, Long> fields, Map<String, Integer> constants) {
        this.fields = fields;
        this.constants = constants;
    }

    /**
     * @return the tables of this JVM
     * @throws IOException when they are not found or cannot be read
     */
    static VmStructs read() throws IOException {
        List<String> names = new java.util.ArrayList<>(List.of(STRUCT_SYMBOLS));
        names.addAll(List.of(CONSTANT_SYMBOLS));
        Map<String, long[]> found = LibjvmSymbols.find(names);
        for (String name : names) {
            if (!found.containsKey(name)) {
                throw new IOException("libjvm.so has no " + name);
            }
        }
        try (RandomAccessFile mem = new RandomAccessFile("/proc/self/mem", "r")) {
            long[] s = new long[STRUCT_SYMBOLS.length];
            for (int i = 0; i < s.length; i++) {
                s[i] = word(mem, found.get(STRUCT_SYMBOLS[i])[0]);
            }
            Map<String, Long> fields = new HashMap<>();
            for (int i = 0; ; i++) {
                if (i > MOST_ENTRIES) {
                    throw new IOException("gHotSpotVMStructs has no end");
                }
                long entry = s[0] + i * s[6];
                long type = word(mem, entry + s[1]);
                if (type == 0) {
                    break;
                }
                String field = string(mem, word(mem, entry + s[2]));
                boolean isStatic = (word(mem, entry + s[3]) & 0xffffffffL) != 0;
                fields.put(string(mem, type) + "::" + field, word(mem, entry + (isStatic ? s[5] : s[4])));
            }
            long[] c = new long[CONSTANT_SYMBOLS.length];
            for (int i = 0; i < c.length; i++) {
                c[i] = word(mem, found.get(CONSTANT_SYMBOLS[i])[0]);
            }
            Map<String, Integer> constants = new HashMap<>();
            for (int i = 0; ; i++) {
                if (i > MOST_ENTRIES) {
                    throw new IOException("gHotSpotVMIntConstants has no end");
                }
                long entry = c[0] + i * c[3];
                long name = word(mem, entry + c[1]);
                if (name == 0) {
                    break;
                }
                constants.put(string(mem, name), (int) word(mem, entry + c[2]));
            }
            return new VmStructs(fields, constants);
        }
    }

    /**
     * @param typeAndField e.g. {@code JavaThread::_thread_state}
     * @return its offset, or its address when static
     * @throws IOException when the table does not have it
     */
    long field(String typeAndField) throws IOException {
        Long at = fields.get(typeAndField);
        if (at == null) {
            throw new IOException("gHotSpotVMStructs has no " + typeAndField);
        }
        return at;
    }

    /**
     * @param typeAndFields the names one field has had, e.g. {@code Thread::_osthread} (JDK 25) and
     *     {@code JavaThread::_osthread} (JDK 17)
     * @return the first one's offset or address that the table has
     * @throws IOException when it has none of them
     */
    long firstField(String... typeAndFields) throws IOException {
        for (String name : typeAndFields) {
            Long at = fields.get(name);
            if (at != null) {
                return at;
            }
        }
        throw new IOException("gHotSpotVMStructs has none of " + String.join(", ", typeAndFields));
    }

    /**
     * @param name e.g. {@code _thread_blocked}
     * @return its value
     * @throws IOException when the table does not have it
     */
    int constant(String name) throws IOException {
        Integer value = constants.get(name);
        if (value == null) {
            throw new IOException("gHotSpotVMIntConstants has no " + name);
        }
        return value;
    }

    private static long word(RandomAccessFile mem, long address) throws IOException {
        byte[] bytes = new byte[8];
        mem.seek(address);
        mem.readFully(bytes);
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private static String string(RandomAccessFile mem, long address) throws IOException {
        if (address == 0) {
            return "";
        }
        byte[] bytes = new byte[128];
        mem.seek(address);
        int n = mem.read(bytes);
        for (int i = 0; i < n; i++) {
            if (bytes[i] == 0) {
                return new String(bytes, 0, i, StandardCharsets.US_ASCII);
            }
        }
        throw new IOException("a name in HotSpot's tables at 0x" + Long.toHexString(address) + " is not a C string");
    }
}
