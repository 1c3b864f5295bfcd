package dev.jfork.bench;

/**
 * The small task that {@code call} runs in a forked child and that the fresh-JVM baseline runs in a
 * new {@code java} process, which prints its result.
 */
public final class SmallTask {
    /** What {@link #compute()} returns: the sum of the squares of 1 to 1000. */
    public static final int EXPECTED = 333_833_500;

    private SmallTask() {
    }

    /**
     * The sum of the squares of 1 to 1000.
     *
     * @return {@link #EXPECTED}
     */
    public static Integer compute() {
        int sum = 0;
        for (int i = 1; i <= 1000; i++) {
            sum += i * i;
        }
        return sum;
    }

    /**
     * The pool's small function: {@link #compute()} plus {@code argument}, so that each answer differs.
     *
     * @param argument a small number
     * @return the sum of the squares of 1 to 1000, plus {@code argument}
     */
    public static Integer times(Integer argument) {
        return compute() + argument;
    }

    /**
     * Prints {@link #compute()}: the fresh-JVM baseline.
     *
     * @param args ignored
     */
    public static void main(String[] args) {
        System.out.println(compute());
    }
}
