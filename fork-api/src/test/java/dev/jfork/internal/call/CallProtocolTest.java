package dev.jfork.internal.call;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("values as a child sends them back")
class CallProtocolTest {

    static List<Object> plainSamples() {
        byte[] bytes = new byte[1 << 20];
        new Random(7).nextBytes(bytes);
        return Arrays.asList(null, true, false, (byte) -128, (short) -2, 'λ', '\uDC00', Integer.MIN_VALUE, -1,
            Long.MAX_VALUE, Long.MIN_VALUE, -0.0f, Float.NaN, Float.MIN_VALUE, -0.0, Double.NaN,
            Double.POSITIVE_INFINITY, "", "plain ascii", "héllo, wörld ÿ", "日本語 and λ", "unpaired \uD800 high",
            "x".repeat(100_000) + "€", new byte[0], bytes);
    }

    @Test
    @DisplayName("null, boxed primitives, strings and byte arrays are written plainly and read back exactly")
    void plainRoundTrip() throws Exception {
        for (Object value : plainSamples()) {
            byte[] message = CallProtocol.encodeValue(value);
            assertThat(CallProtocol.isPlain(message)).as("plain: %s", value).isTrue();
            assertThat(CallProtocol.isValue(message)).isTrue();
            Object back = CallProtocol.deserialize(message);
            if (value instanceof byte[]) {
                assertThat((byte[]) back).isEqualTo((byte[]) value);
            } else {
                // equals() of Float and Double compares bits: -0.0 and NaN included
                assertThat(back).isEqualTo(value);
            }
            assertThat(back == null ? null : back.getClass()).isEqualTo(value == null ? null : value.getClass());
        }
    }

    @Test
    @DisplayName("a NaN keeps its payload bits")
    void nanPayload() throws Exception {
        float nan = Float.intBitsToFloat(0x7fc00abc);
        Object back = CallProtocol.deserialize(CallProtocol.encodeValue(nan));
        assertThat(Float.floatToRawIntBits((Float) back)).isEqualTo(0x7fc00abc);
    }

    @Test
    @DisplayName("other values are Java-serialised, tagged VALUE, and read back equal")
    void serialisedValues() throws Exception {
        for (Object value : List.<Object>of(new int[] {1, 2}, List.of(1, "x"), new java.math.BigInteger("123456789012345678901234567890"))) {
            byte[] message = CallProtocol.encodeValue(value);
            assertThat(message[0]).isEqualTo(CallProtocol.VALUE);
            assertThat(CallProtocol.isValue(message)).isTrue();
            assertThat(CallProtocol.isPlain(message)).isFalse();
            assertThat(CallProtocol.deserialize(message)).usingRecursiveComparison().isEqualTo(value);
        }
    }

    @Test
    @DisplayName("a plain message cut short, too long or of an unknown kind is refused with IOException")
    void malformedPlain() {
        byte[] whole = CallProtocol.encodeValue("abc");
        assertThatThrownBy(() -> CallProtocol.deserialize(Arrays.copyOf(whole, whole.length - 1)))
            .isInstanceOf(IOException.class).hasMessageContaining("cut short");
        assertThatThrownBy(() -> CallProtocol.deserialize(Arrays.copyOf(whole, whole.length + 1)))
            .isInstanceOf(IOException.class).hasMessageContaining("after a plain value");
        assertThatThrownBy(() -> CallProtocol.deserialize(new byte[] {CallProtocol.PLAIN}))
            .isInstanceOf(IOException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> CallProtocol.deserialize(new byte[] {CallProtocol.PLAIN, 99}))
            .isInstanceOf(IOException.class).hasMessageContaining("unknown kind 99");
        // a length that claims more than the message holds is refused before anything is allocated
        assertThatThrownBy(() -> CallProtocol.deserialize(new byte[] {CallProtocol.PLAIN, 11, 0x7f, 0, 0, 0}))
            .isInstanceOf(IOException.class).hasMessageContaining("cut short");
        assertThatThrownBy(() -> CallProtocol.deserialize(new byte[] {CallProtocol.PLAIN, 9, (byte) 0xff, 0, 0, 0}))
            .isInstanceOf(IOException.class).hasMessageContaining("negative length");
    }

    @Test
    @DisplayName("the prepared value of a call child writes a plain value exactly as encodeValue does")
    void preparedValuePlain() throws Exception {
        for (Object value : plainSamples()) {
            PreparedValue prepared = new PreparedValue();
            prepared.serialize(value);
            assertThat(prepared.message()).isEqualTo(CallProtocol.encodeValue(value));
        }
    }
}
