package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("libjvm.so's local symbols, where they are in memory")
class LibjvmSymbolsTest {
    private static final String ENTER = "_ZN13ObjectMonitor5enterEP10JavaThread";

    @Test
    @DisplayName("a HotSpot function lies in libjvm's executable mapping, the same on a second look (the file's own map is skipped)")
    void functionInExecutableMapping() throws Exception {
        Map<String, long[]> first = LibjvmSymbols.find(List.of(ENTER, "no_such_symbol_in_libjvm"));
        assertThat(first).containsOnlyKeys(ENTER);
        long address = first.get(ENTER)[0];
        assertThat(first.get(ENTER)[1]).isPositive();
        assertThat(first.get(ENTER)[2]).isEqualTo(2L);
        // the first look mapped the file (shared, offset 0): the second must still find the loader's mapping
        assertThat(LibjvmSymbols.find(List.of(ENTER)).get(ENTER)[0]).isEqualTo(address);
        boolean inText = false;
        for (String line : Files.readAllLines(Path.of("/proc/self/maps"), StandardCharsets.US_ASCII)) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 6 && f[5].endsWith("/libjvm.so") && f[1].equals("r-xp")) {
                long start = Long.parseUnsignedLong(f[0].substring(0, f[0].indexOf('-')), 16);
                long end = Long.parseUnsignedLong(f[0].substring(f[0].indexOf('-') + 1), 16);
                inText |= address >= start && address < end;
            }
        }
        assertThat(inText).as("ObjectMonitor::enter at 0x%x is in libjvm's r-xp mapping", address).isTrue();
    }
}
