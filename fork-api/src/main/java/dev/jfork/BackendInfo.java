package dev.jfork;

import java.util.Optional;

/**
 * What discovery found about one backend: its name, and why it cannot run, if it cannot.
 *
 * @param name the backend's name ({@code jni}, {@code jnr}, {@code jna}), or the provider class
 *     when the provider itself failed to load
 * @param unavailabilityCause empty when the backend is usable
 */
public record BackendInfo(String name, Optional<Throwable> unavailabilityCause) {

    /**
     * Whether the backend can run here.
     *
     * @return true when there is no cause of unavailability
     */
    public boolean available() {
        return unavailabilityCause.isEmpty();
    }

    /**
     * One line for listings: {@code "jni: available"} or {@code "jni: unavailable: <cause>"}.
     *
     * @return the description
     */
    public String describe() {
        return name + ": " + unavailabilityCause.map(t -> "unavailable: " + causeText(t)).orElse("available");
    }

    private static String causeText(Throwable t) {
        StringBuilder text = new StringBuilder(String.valueOf(t));
        for (Throwable c = t.getCause(); c != null && c != t; c = c.getCause()) {
            text.append(" <- ").append(c);
        }
        return text.toString();
    }
}
