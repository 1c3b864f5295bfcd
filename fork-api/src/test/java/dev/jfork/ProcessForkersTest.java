package dev.jfork;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.spi.ProcessForker;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("backend selection")
class ProcessForkersTest {
    private static final UnsatisfiedLinkError JNI_CAUSE =
        new UnsatisfiedLinkError("libjfork.so: failed to map segment from shared object");

    private static ProcessForkers.Discovery found(ProcessForker... backends) {
        return ProcessForkers.Discovery.load(List.of(backends));
    }

    private static ProcessForkers.Discovery allThree() {
        return found(new FakeBackend("jnr", null), new FakeBackend("jna", null), new FakeBackend("jni", JNI_CAUSE));
    }

    @Test
    @DisplayName("an unknown backend is an error that lists every backend found, with causes")
    void unknownBackend() {
        assertThatThrownBy(() -> ProcessForkers.select("nope", allThree()))
            .isInstanceOf(BackendSelectionException.class)
            .hasMessageContaining("unknown backend 'nope'")
            .hasMessageContaining("jnr: available")
            .hasMessageContaining("jna: available")
            .hasMessageContaining("jni: unavailable")
            .hasMessageContaining("failed to map segment");
    }

    @Test
    @DisplayName("a named backend that is unavailable is an error carrying its cause, never a fallback")
    void unavailableBackend() {
        assertThatThrownBy(() -> ProcessForkers.select("jni", allThree()))
            .isInstanceOf(BackendSelectionException.class)
            .hasMessageContaining("backend 'jni'")
            .hasMessageContaining("is unavailable")
            .hasCause(JNI_CAUSE);
    }

    @Test
    @DisplayName("case and surrounding spaces in the name are ignored")
    void caseAndSpaces() {
        assertThat(ProcessForkers.select("  JNA ", allThree()).name()).isEqualTo("jna");
    }

    @Test
    @DisplayName("without a name, the first available of jni, jnr, jna")
    void defaultOrder() {
        assertThat(ProcessForkers.select(null, allThree()).name()).isEqualTo("jnr");
        assertThat(ProcessForkers.select(" ", found(new FakeBackend("jna", null), new FakeBackend("jni", null))).name())
            .isEqualTo("jni");
    }

    @Test
    @DisplayName("no backend on the class path names the artifact to add, with the Maven snippet")
    void noBackend() {
        assertThatThrownBy(() -> ProcessForkers.select(null, found()))
            .isInstanceOf(BackendSelectionException.class)
            .hasMessageContaining("no backend on the class path")
            .hasMessageContaining("<artifactId>fork-jni</artifactId>")
            .hasMessageContaining("<groupId>dev.jfork</groupId>");
    }

    @Test
    @DisplayName("a provider that fails to load is listed with its cause and does not break discovery")
    void brokenProvider() {
        Iterable<ProcessForker> loader = () -> new java.util.Iterator<>() {
            private int next;

            @Override
            public boolean hasNext() {
                return next < 2;
            }

            @Override
            public ProcessForker next() {
                if (next++ == 0) {
                    throw new java.util.ServiceConfigurationError(
                        "dev.jfork.spi.ProcessForker: Provider dev.jfork.jnr.JnrProcessForker could not be instantiated");
                }
                return new FakeBackend("jna", null);
            }
        };
        ProcessForkers.Discovery d = ProcessForkers.Discovery.load(loader);
        assertThat(d.infos()).hasSize(2);
        assertThat(d.infos().get(1).name()).isEqualTo("provider dev.jfork.jnr.JnrProcessForker");
        assertThat(d.infos().get(1).available()).isFalse();
        assertThat(ProcessForkers.select(null, d).name()).isEqualTo("jna");
    }

    @Test
    @DisplayName("Forker.of refuses an unavailable backend with its cause")
    void forkerRefusesUnavailable() {
        assertThatThrownBy(() -> Forker.of(new FakeBackend("jni", JNI_CAUSE)))
            .isInstanceOf(BackendSelectionException.class).hasMessageContaining("failed to map segment");
    }

    @Test
    @DisplayName("only the selected backend is asked whether it is available (asking loads its native code);"
        + " discovery asks none, listing asks all")
    void selectionAsksOnlyTheSelected() {
        FakeBackend jnr = new FakeBackend("jnr", null);
        FakeBackend jna = new FakeBackend("jna", null);
        FakeBackend jni = new FakeBackend("jni", null);
        FakeBackend ffm = new FakeBackend("ffm", null);
        // discovery order is the class path's, not the default order
        ProcessForkers.Discovery d = found(jnr, jna, ffm, jni);
        assertThat(jnr.asked() + jna.asked() + ffm.asked() + jni.asked()).as("asked by discovery").isZero();

        assertThat(ProcessForkers.select(null, d).name()).isEqualTo("jni");
        assertThat(ProcessForkers.select("ffm", d).name()).isEqualTo("ffm");
        assertThat(ProcessForkers.select(" JNI ", d).name()).isEqualTo("jni");
        assertThat(jnr.asked()).as("jnr, never selected").isZero();
        assertThat(jna.asked()).as("jna, never selected").isZero();
        assertThat(jni.asked()).as("jni, selected twice").isEqualTo(2);
        assertThat(ffm.asked()).as("ffm, selected once").isEqualTo(1);

        // the listing tells every backend's availability, so it asks each: the demo's and kit's --list-backends
        assertThat(d.infos()).hasSize(4);
        assertThat(jnr.asked()).isEqualTo(1);
        assertThat(jna.asked()).isEqualTo(1);
    }
}
