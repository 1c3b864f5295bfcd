package dev.jfork.ffm;

import dev.jfork.conformance.ProcessForkerCompatibilityKit;
import dev.jfork.spi.ProcessForker;

/** Runs the shared conformance kit against the FFM backend, unchanged. */
class FfmProcessForkerCompatibilityTest extends ProcessForkerCompatibilityKit {
    @Override
    protected ProcessForker createBackend() {
        return new FfmProcessForker();
    }
}
