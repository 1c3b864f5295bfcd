package dev.jfork.conformance;

/**
 * A second concrete {@link ChildRuntimeProbe.Shape}, loaded first in a child by name: its loading
 * invalidates the parent's compiled code that inlined the only other one, which then has to be
 * deoptimised, a VM operation.
 */
final class ChildRuntimeLateShape extends ChildRuntimeProbe.Shape {
    static {
        ChildRuntimeProbe.late = new ChildRuntimeLateShape();
    }

    @Override
    int area() {
        return ChildRuntimeProbe.LATE_AREA;
    }
}
