package dev.jfork;

import dev.jfork.internal.vm.VmRevival;
import dev.jfork.spi.ProcessForker;

/**
 * Whether a Java child gets more of a JVM than the thread that forked it: the opt-in child runtime.
 * A forked child has one thread, so by default a collection, a deoptimisation (a class first loaded in
 * the child that invalidates compiled code) or a {@code System.gc()} waits for ever there, and jfork
 * reports it as a deadlock. With {@code -D}{@value #PROPERTY}{@code =}{@value #VM_THREAD}, each Java
 * child of {@code fork}, {@code call}, {@code forkRaw} and the pools starts HotSpot's VM thread again
 * before its task, so that those finish. This first step covers SerialGC ({@code -XX:+UseSerialGC}) on
 * JDK 17 to 25 with the {@code jni} backend; compiler threads and other collectors' worker threads stay
 * dead, and a child still cannot use the parent's own threads. Where it cannot be had, children run as
 * without it, the reason is logged once ({@code System.Logger} "dev.jfork") and {@link #reason()} says it.
 */
public final class ChildRuntimeReport {
    /** System property: {@value #VM_THREAD} to start the VM thread again in each Java child; {@value #OFF} (the default) not to. */
    public static final String PROPERTY = VmRevival.PROPERTY;
    /** {@link #PROPERTY}'s value that asks for the VM thread in each Java child. */
    public static final String VM_THREAD = VmRevival.VM_THREAD_MODE;
    /** {@link #PROPERTY}'s default: a child has only the thread that forked it. */
    public static final String OFF = VmRevival.OFF_MODE;

    private final String backend;
    private final boolean requested;
    private final String unavailability;

    private ChildRuntimeReport(String backend, boolean requested, String unavailability) {
        this.backend = backend;
        this.requested = requested;
        this.unavailability = unavailability;
    }

    /**
     * What a child of {@code forker} gets here. The first call reads libjvm.so's symbol table (some
     * 100 ms); it writes nothing.
     *
     * @param forker the forker
     * @return the report
     * @throws IllegalArgumentException when {@link #PROPERTY} has a value other than {@value #VM_THREAD} or {@value #OFF}
     */
    public static ChildRuntimeReport of(Forker forker) {
        return of(forker.backend());
    }

    /**
     * What a child of {@code backend} gets here.
     *
     * @param backend the backend
     * @return the report
     * @throws IllegalArgumentException when {@link #PROPERTY} has a value other than {@value #VM_THREAD} or {@value #OFF}
     */
    public static ChildRuntimeReport of(ProcessForker backend) {
        boolean requested = VmRevival.requested();
        return new ChildRuntimeReport(backend.name(), requested, VmRevival.unavailability(backend));
    }

    /** @return whether {@link #PROPERTY} asks for the VM thread */
    public boolean requested() {
        return requested;
    }

    /** @return whether a child could have its VM thread back here (whether or not it was asked for) */
    public boolean available() {
        return unavailability == null;
    }

    /** @return whether children start their VM thread: asked for and available */
    public boolean vmThreadInChild() {
        return requested && unavailability == null;
    }

    /** @return why a child cannot have its VM thread back, or an empty string when it can */
    public String reason() {
        return unavailability == null ? "" : unavailability;
    }

    @Override
    public String toString() {
        return "child runtime (" + backend + "): " + (vmThreadInChild() ? "the VM thread is started again in each Java child"
            : available() ? "available, not asked for (-D" + PROPERTY + "=" + VM_THREAD + ")"
            : "only the forking thread" + (requested ? ", though asked for" : "") + ": " + unavailability);
    }
}
