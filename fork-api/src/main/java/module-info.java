/**
 * jfork: fork() for the JVM. The facade is {@link dev.jfork.ProcessForkers}; backends implement
 * {@link dev.jfork.spi.ProcessForker}.
 */
module dev.jfork {
    exports dev.jfork;
    exports dev.jfork.spi;

    requires java.management;

    uses dev.jfork.spi.ProcessForker;
}
