package dev.jfork.conformance.runner;

import dev.jfork.ProcessForkers;
import dev.jfork.conformance.ProcessForkerCompatibilityKit;
import dev.jfork.spi.ProcessForker;

/**
 * The whole conformance kit, against the backend that {@link ProcessForkers} selects: the one named by
 * {@value ProcessForkers#BACKEND_PROPERTY}, which {@link KitRunner} sets, or else the first available.
 * It lives in {@code src/main} of the runner only, so no build runs it by accident.
 */
class SelectedBackendKit extends ProcessForkerCompatibilityKit {
    @Override
    protected ProcessForker createBackend() {
        return FreshBackend.named(ProcessForkers.backend().name());
    }
}
