package dev.jfork.jni;

import dev.jfork.conformance.ProcessForkerCompatibilityKit;
import dev.jfork.spi.ProcessForker;

/** Runs the shared conformance kit against the JNI backend, unchanged. */
class JniCompatibilityTest extends ProcessForkerCompatibilityKit {
    @Override
    protected ProcessForker createBackend() {
        return new JniProcessForker();
    }
}
