package dev.jfork.jnr;

import dev.jfork.conformance.ProcessForkerCompatibilityKit;
import dev.jfork.spi.ProcessForker;

/** Runs the shared conformance kit against the JNR backend, unchanged. */
class JnrCompatibilityTest extends ProcessForkerCompatibilityKit {
    @Override
    protected ProcessForker createBackend() {
        return new JnrProcessForker();
    }
}
