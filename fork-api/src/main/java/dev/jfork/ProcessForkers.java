package dev.jfork;

import dev.jfork.internal.launch.GuardedProcessForker;
import dev.jfork.spi.ProcessForker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;

/**
 * Finds the backends on the class path and selects one.
 *
 * <p>Selection: with the system property {@value #BACKEND_PROPERTY} set, the backend of that name
 * (case-insensitive, surrounding spaces ignored) or a {@link BackendSelectionException}; never a
 * silent fallback. Without it, the first available backend of {@link #DEFAULT_ORDER}. Discovery runs
 * once, with this class's own class loader; a provider that fails to load is listed with its cause
 * and does not break discovery.
 *
 * <p>Selection asks only the backends it tries whether they are available, which binds their native code:
 * the one named, or those of {@link #DEFAULT_ORDER} up to the first available. Discovery makes each provider
 * (whose constructor binds nothing) and asks it its name only. {@link #list()} and the
 * message of a failed selection tell every backend's availability, so they ask each one, which loads its
 * native code (on JDK 24 and later, jnr's jffi then prints {@code sun.misc.Unsafe} warnings).
 *
 * <p>The backend handed out refuses a pid of 0 or below in {@code kill} and {@code waitpid} with an
 * {@link IllegalArgumentException}: those mean a whole process group, or every child.
 */
public final class ProcessForkers {
    /** System property that names the backend to use: {@code jni}, {@code jnr} or {@code jna}. */
    public static final String BACKEND_PROPERTY = "fork.backend";

    /** The order in which backends are tried when {@value #BACKEND_PROPERTY} is not set. */
    public static final List<String> DEFAULT_ORDER = List.of("jni", "jnr", "jna", "ffm");

    private static final String ARTIFACT_HINT = String.join("\n",
        "Add a backend to the class path, for example:",
        "  <dependency>",
        "    <groupId>dev.jfork</groupId>",
        "    <artifactId>fork-jni</artifactId>   <!-- or fork-jnr, fork-jna, fork-ffm (JDK 22+) -->",
        "    <version>" + ProcessForkers.class.getPackage().getImplementationVersion() + "</version>",
        "  </dependency>");

    private static volatile Discovery discovery;

    private ProcessForkers() {
    }

    /**
     * The selected backend, as described in the class comment.
     *
     * @return an available backend
     * @throws BackendSelectionException when the named backend is unknown or unavailable, or none is available
     */
    public static ProcessForker backend() {
        return guarded(select(System.getProperty(BACKEND_PROPERTY), "-D" + BACKEND_PROPERTY, discover()));
    }

    /**
     * The backend of the given name.
     *
     * @param name {@code jni}, {@code jnr}, {@code jna} or {@code ffm}; case and surrounding spaces are
     *     ignored
     * @return the backend, which is available
     * @throws BackendSelectionException when it is unknown (a blank name too) or unavailable
     * @throws NullPointerException when {@code name} is null ({@link #backend()} selects the default)
     */
    public static ProcessForker backend(String name) {
        Objects.requireNonNull(name, "name");
        Discovery found = discover();
        if (name.isBlank()) {
            throw new BackendSelectionException("jfork: an empty backend name (the name given); the known backends"
                + " are jni, jnr, jna and ffm (JDK 22+), and ProcessForkers.backend() selects the default. "
                + found.describe());
        }
        return guarded(select(name, "the name given", found));
    }

    /**
     * Every backend that discovery found, available or not, in discovery order; providers that failed
     * to load are included with their cause. Each backend is asked whether it is available, which binds
     * its native code: call it to list backends, not to pick one ({@link #backend()} asks only the one it
     * selects).
     *
     * @return an immutable list
     */
    public static List<BackendInfo> list() {
        return discover().infos();
    }

    private static ProcessForker guarded(ProcessForker backend) {
        return GuardedProcessForker.guard(backend);
    }

    static ProcessForker select(String requested, Discovery found) {
        return select(requested, "-D" + BACKEND_PROPERTY, found);
    }

    static ProcessForker select(String requested, String source, Discovery found) {
        if (requested != null && !requested.isBlank()) {
            String name = requested.strip().toLowerCase(Locale.ROOT);
            ProcessForker chosen = found.backends.get(name);
            if (chosen == null) {
                throw new BackendSelectionException("jfork: unknown backend '" + requested + "' ("
                    + source + "); the known backends are jni, jnr, jna and ffm (JDK 22+). " + found.describe());
            }
            Optional<Throwable> cause = chosen.unavailabilityCause();
            if (cause.isPresent()) {
                BackendSelectionException e = new BackendSelectionException("jfork: backend '" + name
                    + "' (" + source + ") is unavailable. " + found.describe());
                e.initCause(cause.get());
                throw e;
            }
            return chosen;
        }
        for (String name : DEFAULT_ORDER) {
            ProcessForker candidate = found.backends.get(name);
            if (candidate != null && candidate.isAvailable()) {
                return candidate;
            }
        }
        for (ProcessForker candidate : found.backends.values()) {
            if (candidate.isAvailable()) {
                return candidate;
            }
        }
        if (found.backends.isEmpty() && found.failedProviders.isEmpty()) {
            throw new BackendSelectionException("jfork: no backend on the class path"
                + " (known backends: jni, jnr, jna, ffm). " + ARTIFACT_HINT);
        }
        throw new BackendSelectionException("jfork: no available backend. " + found.describe()
            + "\n" + ARTIFACT_HINT);
    }

    private static Discovery discover() {
        Discovery d = discovery;
        if (d == null) {
            synchronized (ProcessForkers.class) {
                d = discovery;
                if (d == null) {
                    d = Discovery.load(ServiceLoader.load(ProcessForker.class, ProcessForkers.class.getClassLoader()));
                    discovery = d;
                }
            }
        }
        return d;
    }

    /** The result of one discovery pass. Availability is asked only when needed: asking binds native code. */
    static final class Discovery {
        final Map<String, ProcessForker> backends;
        final List<BackendInfo> failedProviders;

        Discovery(Map<String, ProcessForker> backends, List<BackendInfo> failedProviders) {
            this.backends = Collections.unmodifiableMap(backends);
            this.failedProviders = List.copyOf(failedProviders);
        }

        static Discovery load(Iterable<ProcessForker> loader) {
            Map<String, ProcessForker> backends = new LinkedHashMap<>();
            List<BackendInfo> failed = new ArrayList<>();
            Iterator<ProcessForker> it = loader.iterator();
            while (true) {
                ProcessForker next;
                try {
                    if (!it.hasNext()) {
                        break;
                    }
                    next = it.next();
                } catch (ServiceConfigurationError | LinkageError e) {
                    failed.add(new BackendInfo(providerName(e), Optional.of(e)));
                    continue;
                }
                backends.putIfAbsent(next.name(), next);
            }
            return new Discovery(backends, failed);
        }

        List<BackendInfo> infos() {
            List<BackendInfo> infos = new ArrayList<>();
            for (ProcessForker backend : backends.values()) {
                infos.add(new BackendInfo(backend.name(), backend.unavailabilityCause()));
            }
            infos.addAll(failedProviders);
            return List.copyOf(infos);
        }

        private static String providerName(Throwable e) {
            String message = String.valueOf(e.getMessage());
            int colon = message.indexOf(": Provider ");
            if (colon >= 0) {
                String rest = message.substring(colon + ": Provider ".length());
                int space = rest.indexOf(' ');
                return "provider " + (space > 0 ? rest.substring(0, space) : rest);
            }
            return "provider (failed to load)";
        }

        String describe() {
            List<BackendInfo> infos = infos();
            if (infos.isEmpty()) {
                return "No backend was found on the class path (known backends: jni, jnr, jna, ffm).";
            }
            StringBuilder text = new StringBuilder("Backends found:");
            for (BackendInfo info : infos) {
                text.append("\n  ").append(info.describe());
            }
            return text.toString();
        }
    }
}
