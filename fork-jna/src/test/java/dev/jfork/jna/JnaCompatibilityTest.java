package dev.jfork.jna;

import dev.jfork.conformance.ProcessForkerCompatibilityKit;
import dev.jfork.spi.ProcessForker;

/** Runs the shared conformance kit against the JNA backend, unchanged. */
class JnaCompatibilityTest extends ProcessForkerCompatibilityKit {
    @Override
    protected ProcessForker createBackend() {
        return new JnaProcessForker();
    }
}
