package dev.jfork.conformance.runner;

import dev.jfork.ProcessForkers;
import dev.jfork.spi.ProcessForker;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Makes a new instance of a backend by name, as each backend's own kit subclass does with
 * {@code new JnaProcessForker()}: the provider itself, not the guarded wrapper that
 * {@link ProcessForkers} hands out. The kit tests the raw backend, and its probe JVMs make the backend
 * again from its class name, which needs the provider's class and its public constructor.
 */
final class FreshBackend {
    private static final Map<String, ServiceLoader.Provider<ProcessForker>> PROVIDERS = new ConcurrentHashMap<>();

    private FreshBackend() {
    }

    /**
     * A new instance of the backend of that name, found the way {@link ProcessForkers} finds it.
     *
     * @param name the backend's {@link ProcessForker#name()}
     * @return a new instance
     * @throws IllegalStateException if no provider has that name
     */
    static ProcessForker named(String name) {
        ServiceLoader.Provider<ProcessForker> known = PROVIDERS.get(name);
        if (known != null) {
            return known.get();
        }
        ServiceLoader<ProcessForker> loader = ServiceLoader.load(ProcessForker.class, ProcessForkers.class.getClassLoader());
        for (ServiceLoader.Provider<ProcessForker> provider : (Iterable<ServiceLoader.Provider<ProcessForker>>) loader.stream()::iterator) {
            ProcessForker candidate;
            try {
                candidate = provider.get();
            } catch (java.util.ServiceConfigurationError | LinkageError e) {
                continue;
            }
            if (candidate.name().equals(name)) {
                PROVIDERS.put(name, provider);
                return candidate;
            }
        }
        throw new IllegalStateException("jfork kit: no provider of " + ProcessForker.class.getName() + " named '" + name + "'");
    }
}
