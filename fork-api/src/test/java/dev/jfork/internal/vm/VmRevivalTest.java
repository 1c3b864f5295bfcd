package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ChildRuntimeReport;
import dev.jfork.spi.ProcessForker;
import dev.jfork.spi.VmThreadRevival;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("The child runtime's checks, in the parent")
@Timeout(60)
class VmRevivalTest {
    private static final boolean X86_64 = System.getProperty("os.arch").equals("amd64");

    @AfterEach
    void clearProperty() {
        System.clearProperty(ChildRuntimeReport.PROPERTY);
    }

    @Test
    @DisplayName("the Mutex layout is read and checked: VMOperation_lock is named where the layout puts its name")
    void layoutOfThisJdk() throws Exception {
        VmRevival.Located l = VmRevival.layout(X86_64 ? 40 : 48);
        assertThat(l.why).isNull();
        assertThat(l.mutexes.length).isBetween(16, 1024);
        assertThat(l.layout).hasSize(VmThreadRevival.LAYOUT_WORDS + 2 * 3);
        assertThat(l.layout[0]).isEqualTo(8);
        assertThat(l.layout[1]).isEqualTo(X86_64 ? 48 : 56);
        assertThat(l.checkLayout).hasSize(VmThreadRevival.LAYOUT_WORDS);
        // the idle VM thread's condvar is VMOperation_lock's, inside one of the mutexes listed
        assertThat(l.mutexes).contains(l.idleCondStart - l.layout[1]);
        assertThat(l.layout[6]).isEqualTo(l.idleCondStart);
        // from HotSpot's own tables: the thread list's address, offsets inside a JavaThread, two states
        assertThat(l.layout[7]).isNotZero();
        assertThat(l.layout[10]).isPositive();
        assertThat(l.layout[12] - l.layout[11]).isNotZero();
        assertThat(l.layout[13]).isEqualTo(4); // _thread_in_native
        assertThat(l.layout[14]).isEqualTo(10); // _thread_blocked
    }

    @Test
    @DisplayName("a layout that is off by one pthread field fails closed, saying where")
    void wrongLayoutFailsClosed() throws Exception {
        VmRevival.Located l = VmRevival.layout(X86_64 ? 48 : 40);
        assertThat(l.why).isNotNull().containsAnyOf("has no name", "is named");
        assertThat(l.mutexes).isEmpty();
    }

    @Test
    @DisplayName("under G1 (the build's collector) it is unavailable, the reason names SerialGC, and no child is told to start it")
    void g1IsNotSerial() {
        ProcessForker none = noBackend();
        System.setProperty(ChildRuntimeReport.PROPERTY, ChildRuntimeReport.VM_THREAD);
        assertThat(VmRevival.unavailability(none)).contains("not SerialGC").contains("-XX:+UseSerialGC");
        assertThat(VmRevival.forChild(none)).isFalse();
        ChildRuntimeReport report = ChildRuntimeReport.of(none);
        assertThat(report.requested()).isTrue();
        assertThat(report.vmThreadInChild()).isFalse();
        assertThat(report.toString()).contains("though asked for").contains("not SerialGC");
        assertThat(VmRevival.isIdleVmThreadWait(0x1000)).isFalse();
    }

    @Test
    @DisplayName("off by default; an unknown value is refused, naming the property and its values")
    void property() {
        assertThat(VmRevival.requested()).isFalse();
        System.setProperty(ChildRuntimeReport.PROPERTY, "yes");
        assertThatThrownBy(VmRevival::requested).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("-Dfork.childRuntime=yes").hasMessageContaining("vm").hasMessageContaining("off");
    }

    @Test
    @DisplayName("each result of the backend is told as a reason; a backend without it has neither its own start nor the calls")
    void reasons() {
        assertThat(VmRevival.describe("jna", noBackend().startVmThread(new long[1], new long[VmThreadRevival.LAYOUT_WORDS], false)))
            .isEqualTo("jna has no start of its own for the VM thread and binds no ThreadStartCalls");
        assertThat(VmRevival.describe("jni", VmThreadRevival.MUTEX_KIND << 16 | 7)).contains("mutex #7");
        assertThat(VmRevival.describe("jni", VmThreadRevival.BUSY << 16 | 1)).contains("_cur_vm_operation");
        assertThat(VmRevival.describe("jni", VmThreadRevival.THREAD_FAILED << 16 | 11)).contains("errno 11");
    }

    @Test
    @DisplayName("C strings are read from this process's memory, and an unmapped address gives none")
    void cStrings() {
        assertThat(LibjvmSymbols.cString(0)).isNull();
        assertThat(LibjvmSymbols.cString(8)).isNull();
    }

    /** A backend of the SPI's defaults only: its name is "none" and it cannot start the VM thread. */
    private static ProcessForker noBackend() {
        return (ProcessForker) Proxy.newProxyInstance(ProcessForker.class.getClassLoader(), new Class<?>[] {ProcessForker.class},
            (proxy, method, args) -> {
                if (method.isDefault()) {
                    return java.lang.reflect.InvocationHandler.invokeDefault(proxy, method, args);
                }
                if (method.getName().equals("name")) {
                    return "none";
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }
}
