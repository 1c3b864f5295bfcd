package dev.jfork.internal.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("/proc files read into a kept buffer")
class ProcFileTest {

    @Test
    @DisplayName("stat fields are found past a command name with spaces and parentheses")
    void statFields() {
        byte[] stat = "4242 (a (b) c) S 1 4242 4242 0 -1 4194560 1 0 0 0 7 3 0 0 20 0 31 0 99".getBytes(StandardCharsets.US_ASCII);
        int state = ProcFile.statField(stat, stat.length, 3);
        assertThat((char) stat[state]).isEqualTo('S');
        assertThat(ProcFile.number(stat, ProcFile.statField(stat, stat.length, 4), stat.length)).isEqualTo(1);
        assertThat(ProcFile.number(stat, ProcFile.statField(stat, stat.length, 20), stat.length)).isEqualTo(31);
        assertThat(ProcFile.statField(stat, stat.length, 40)).isEqualTo(-1);
        assertThat(ProcFile.statField("no parenthesis".getBytes(StandardCharsets.US_ASCII), 14, 3)).isEqualTo(-1);
    }

    @Test
    @DisplayName("numbers stop at the first non-digit; no digit is -1")
    void numbers() {
        byte[] bytes = "123456789012 55 x".getBytes(StandardCharsets.US_ASCII);
        assertThat(ProcFile.number(bytes, 0, bytes.length)).isEqualTo(123456789012L);
        assertThat(ProcFile.number(bytes, 13, bytes.length)).isEqualTo(55);
        assertThat(ProcFile.number(bytes, 16, bytes.length)).isEqualTo(-1);
    }

    @Test
    @DisplayName("a status line's value is found past its blanks")
    void statusValues() {
        byte[] status = "Name:\tjava\nState:\tS (sleeping)\nThreads:\t17\n".getBytes(StandardCharsets.US_ASCII);
        int at = ProcFile.statusValue(status, status.length, "Threads:");
        assertThat(ProcFile.number(status, at, status.length)).isEqualTo(17);
        assertThat(ProcFile.statusValue(status, status.length, "VmRSS:")).isEqualTo(-1);
    }

    @Test
    @DisplayName("this process's own stat reads back whole, and a missing file throws")
    void readsRealFiles() throws IOException {
        byte[] buffer = ProcFile.buffer();
        int length = ProcFile.read("/proc/self/stat", buffer);
        assertThat(length).isGreaterThan(50).isLessThan(buffer.length);
        long pid = ProcFile.number(buffer, 0, length);
        assertThat(pid).isEqualTo(ProcessHandle.current().pid());
        // field 20, the thread count: this JVM has several
        assertThat(ProcFile.number(buffer, ProcFile.statField(buffer, length, 20), length)).isGreaterThan(1);
        assertThatThrownBy(() -> ProcFile.read("/proc/self/no-such-file", buffer)).isInstanceOf(IOException.class);
    }
}
