package dev.jfork.conformance;

/**
 * Types for {@link EverydayJavaKit}'s first-use tests, declared apart from the kit so that they are not
 * in the nest of its tasks: a child meets them only through the bytecode of a task. The parent runs
 * {@link #warm()}, which has its compiled code count on {@link FirstUseShape} having one implementation
 * ({@link FirstUseDisc}) and {@link FirstUseOp} having one (a lambda); a task then uses a second of
 * each, {@link FirstUseTile} and a method reference, for the first time in a child.
 */
final class FirstUseTypes {
    private FirstUseTypes() {
    }

    /**
     * Calls through both types often enough for the JIT to compile the calls, then waits a second for
     * the compilations to end: a compiler thread busy at the fork can hold a lock the child needs.
     */
    static long warm() throws InterruptedException {
        long sum = 0;
        FirstUseOp inc = x -> x + 1;
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < 100_000; i++) {
                sum += FirstUseShape.areaOf(new FirstUseDisc(i & 7)) + FirstUseOp.applyTo(inc, i);
            }
            Thread.sleep(200);
        }
        Thread.sleep(1000);
        return sum;
    }
}

/** A shape; the parent has seen one kind. */
abstract class FirstUseShape {
    abstract int area();

    static int areaOf(FirstUseShape shape) {
        return shape.area();
    }
}

/** The kind of shape the parent has seen. */
final class FirstUseDisc extends FirstUseShape {
    private final int r;

    FirstUseDisc(int r) {
        this.r = r;
    }

    @Override
    int area() {
        return 3 * r * r;
    }
}

/** A kind of shape that only a task's bytecode names. */
final class FirstUseTile extends FirstUseShape {
    private final int side;

    FirstUseTile(int side) {
        this.side = side;
    }

    @Override
    int area() {
        return side * side;
    }
}

/** An interface of the user's, implemented once in the parent by a lambda. */
@FunctionalInterface
interface FirstUseOp {
    int apply(int x);

    static int applyTo(FirstUseOp op, int x) {
        return op.apply(x);
    }
}
