/**
 * The FFM backend of jfork: libc through the JDK's Foreign Function and Memory API (JDK 22+).
 * The provider class runs on JDK 17 and reports itself unavailable there; the implementation,
 * in {@code dev.jfork.ffm.internal}, is compiled for JDK 22 and loaded only on 22 or later.
 */
module dev.jfork.ffm {
    requires dev.jfork;

    provides dev.jfork.spi.ProcessForker with dev.jfork.ffm.FfmProcessForker;
}
