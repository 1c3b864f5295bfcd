package dev.jfork.internal.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.internal.call.loaded.Sample;
import java.net.URL;
import java.net.URLClassLoader;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("a task's results and exceptions resolved with its own class loader")
class TaskLoadersTest {
    private static final String PACKAGE = "dev.jfork.internal.call.loaded.";

    /** Defines {@link #PACKAGE} itself, from the test classes' location; the rest from its parent. */
    private static final class ChildFirst extends URLClassLoader {
        ChildFirst() {
            super(new URL[] {Sample.class.getProtectionDomain().getCodeSource().getLocation()},
                TaskLoadersTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith(PACKAGE)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> type = findLoadedClass(name);
                return type != null ? type : findClass(name);
            }
        }
    }

    @Test
    @DisplayName("a value of a class that the task's loader defines reads back as that loader's class, not jfork's")
    void valueInTheTasksLoader() throws Exception {
        try (ChildFirst loader = new ChildFirst()) {
            Object sample = loader.loadClass(PACKAGE + "Sample").getConstructor(int.class).newInstance(5);
            assertThat(sample.getClass()).isNotSameAs(Sample.class);
            byte[] message = CallProtocol.encodeValue(sample);
            Object back = CallProtocol.deserialize(message, TaskLoaders.of(sample));
            assertThat(back.getClass()).isSameAs(sample.getClass());
            assertThat(back).isEqualTo(sample);
            // jfork's loader alone finds its own copy of the class
            assertThat(CallProtocol.deserialize(message, TaskLoaders.JFORK).getClass()).isSameAs(Sample.class);
        }
    }

    @Test
    @DisplayName("an exception of a class that the task's loader defines is rebuilt as that class")
    void exceptionInTheTasksLoader() throws Exception {
        try (ChildFirst loader = new ChildFirst()) {
            Throwable boom = (Throwable) loader.loadClass(PACKAGE + "Sample$Boom").getConstructor(String.class)
                .newInstance("bang");
            byte[] message = CallProtocol.encodeThrown(boom);
            Throwable back = CallProtocol.decodeThrown(message, TaskLoaders.of(boom));
            assertThat(back.getClass()).isSameAs(boom.getClass());
            assertThat(back).hasMessage("bang");
            assertThat(back.getStackTrace()).hasSameSizeAs(boom.getStackTrace())
                .extracting(StackTraceElement::getMethodName).contains("exceptionInTheTasksLoader");
        }
    }

    @Test
    @DisplayName("a class that no loader has is reported with its name and the loaders tried")
    void notFoundNamesTheLoaders() {
        assertThatThrownBy(() -> TaskLoaders.of(this).load("no.such.Type"))
            .isInstanceOf(ClassNotFoundException.class).hasMessageContaining("no.such.Type")
            .hasMessageContaining("task's class loader").hasMessageContaining("AppClassLoader");
    }
}
