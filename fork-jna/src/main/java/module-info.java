/** The JNA backend of jfork: libc through JNA direct mapping. */
module dev.jfork.jna {
    requires dev.jfork;
    requires com.sun.jna;

    provides dev.jfork.spi.ProcessForker with dev.jfork.jna.JnaProcessForker;
}
