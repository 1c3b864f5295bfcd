/**
 * jfork: fork() for the JVM. Users start at {@link dev.jfork.Forker} (the safe layer) or
 * {@link dev.jfork.ProcessForkers} (the raw backend); backends implement {@link dev.jfork.spi.ProcessForker}.
 * The {@code dev.jfork.internal.*} packages are jfork's own machinery and are not exported.
 */
module dev.jfork {
    exports dev.jfork;
    exports dev.jfork.spi;

    requires java.management;
    requires jdk.management;
    requires jdk.unsupported;

    uses dev.jfork.spi.ProcessForker;
}
