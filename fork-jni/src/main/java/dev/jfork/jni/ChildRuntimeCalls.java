package dev.jfork.jni;

/**
 * The native method of {@code childruntime.c}, bound eagerly by {@code JNI_OnLoad} with
 * {@code RegisterNatives} as {@link NativeCalls} is.
 */
final class ChildRuntimeCalls {
    private ChildRuntimeCalls() {
    }

    /**
     * See {@link dev.jfork.spi.ProcessForker#startVmThread(long[], long[], boolean)}; arguments are
     * checked there.
     *
     * @param mutexes the mutexes' addresses
     * @param layout the layout words
     * @param start whether to renew and start, or only check
     * @return a {@link dev.jfork.spi.VmThreadRevival} result
     */
    static native int startVmThread(long[] mutexes, long[] layout, boolean start);
}
