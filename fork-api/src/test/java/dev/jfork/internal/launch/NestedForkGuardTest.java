package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.spi.ProcessForker;
import java.lang.reflect.Proxy;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("the safe layer refused in a forked child, told by its pid")
class NestedForkGuardTest {

    /** A backend whose getpid() answers {@code pid}; nothing else is called. */
    private static ProcessForker withPid(long pid) {
        return (ProcessForker) Proxy.newProxyInstance(ProcessForker.class.getClassLoader(),
            new Class<?>[] {ProcessForker.class}, (proxy, method, args) -> {
                if (method.getName().equals("getpid")) {
                    return (int) pid;
                }
                throw new UnsupportedOperationException(method.getName());
            });
    }

    @Test
    @DisplayName("in the JVM's own process nothing is refused")
    void parentPasses() {
        assertThatCode(() -> NestedForkGuard.requireParent(withPid(ProcessHandle.current().pid()), "call"))
            .doesNotThrowAnyException();
    }

    @Test
    @DisplayName("where getpid() is not the JVM's cached pid, the call is refused with the reason and what to do")
    void childIsRefused() {
        long parent = ProcessHandle.current().pid();
        assertThatThrownBy(() -> NestedForkGuard.requireParent(withPid(parent + 1), "exec"))
            .isInstanceOf(IllegalStateException.class)
            .hasMessageStartingWith("jfork: exec was called in a forked child (pid " + (parent + 1)
                + ", forked from the JVM of pid " + parent + ")")
            .hasMessageContaining("let the parent fork or exec");
    }
}
