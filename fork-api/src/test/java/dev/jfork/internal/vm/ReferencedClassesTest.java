package dev.jfork.internal.vm;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.IntUnaryOperator;
import java.util.zip.Adler32;
import org.junit.jupiter.api.Test;

class ReferencedClassesTest {
    /** Names classes only through its bytecode: a constructor call, a descriptor, a lambda. */
    static final class Sample {
        long checksum(byte[] data) {
            Adler32 adler = new Adler32();
            adler.update(data);
            return adler.getValue();
        }

        java.util.zip.CRC32C returned() {
            return null;
        }

        IntUnaryOperator twice() {
            return x -> 2 * x;
        }
    }

    @Test
    void findsConstantPoolDescriptorAndLambdaTypes() {
        ReferencedClasses.Names names = ReferencedClasses.namesIn(Sample.class);
        assertThat(names.all()).contains("java/util/zip/Adler32", "java/util/zip/CRC32C",
            "java/util/function/IntUnaryOperator", "java/lang/Object");
        assertThat(names.lambdaTypes()).containsExactly("java/util/function/IntUnaryOperator");
    }

    @Test
    void hiddenClassesHaveNoClassFile() {
        IntUnaryOperator lambda = x -> x;
        assertThat(ReferencedClasses.namesIn(lambda.getClass())).isEqualTo(ReferencedClasses.Names.NONE);
    }
}
