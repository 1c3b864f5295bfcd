package dev.jfork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("wait-status decoding")
class WaitStatusTest {
    @Test
    @DisplayName("an exit code sits in bits 8-15")
    void exited() {
        WaitStatus s = WaitStatus.of(42 << 8);
        assertThat(s.exited()).isTrue();
        assertThat(s.signaled()).isFalse();
        assertThat(s.exitCode()).isEqualTo(42);
        assertThat(s).hasToString("exited with code 42");
        assertThatThrownBy(s::termSignal).isInstanceOf(IllegalStateException.class);
    }

    @Test
    @DisplayName("a signal death, with and without a core dump")
    void signaled() {
        WaitStatus term = WaitStatus.of(15);
        assertThat(term.signaled()).isTrue();
        assertThat(term.termSignal()).isEqualTo(15);
        assertThat(term.coreDumped()).isFalse();
        assertThat(term.shellCode()).isEqualTo(143);
        WaitStatus core = WaitStatus.of(0x80 | 11);
        assertThat(core.coreDumped()).isTrue();
        assertThat(core).hasToString("killed by SIGSEGV (11), core dumped");
    }

    @Test
    @DisplayName("stopped and continued are neither exits nor deaths")
    void stoppedAndContinued() {
        WaitStatus stopped = WaitStatus.of((19 << 8) | 0x7f);
        assertThat(stopped.stopped()).isTrue();
        assertThat(stopped.stopSignal()).isEqualTo(19);
        assertThat(stopped.signaled()).isFalse();
        assertThat(stopped.exited()).isFalse();
        WaitStatus cont = WaitStatus.of(0xffff);
        assertThat(cont.continued()).isTrue();
        assertThat(cont.signaled()).isFalse();
        assertThat(cont.terminated()).isFalse();
    }

    @Test
    @DisplayName("errno names and messages come from the Linux table")
    void errnoTable() {
        ErrnoException e = new ErrnoException("waitpid(pid=7)", 10);
        assertThat(e.errnoName()).isEqualTo("ECHILD");
        assertThat(e).hasMessage("waitpid(pid=7) failed: ECHILD (errno 10): No child processes");
        assertThat(Errno.name(3)).isEqualTo("ESRCH");
        assertThat(Errno.name(9999)).isEqualTo("E?9999");
    }
}
