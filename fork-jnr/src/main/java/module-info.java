/**
 * The jnr backend of jfork: {@link dev.jfork.spi.ProcessForker} bound with jnr-posix and jnr-ffi,
 * found through {@link java.util.ServiceLoader} under the name {@code jnr}.
 */
module dev.jfork.jnr {
    requires dev.jfork;
    requires org.jnrproject.posix;
    requires org.jnrproject.ffi;
    // jffi's invoker, for mmap's six arguments (JnrThreadCalls)
    requires org.jnrproject.jffi;
    // jnr-ffi generates its bindings with ASM, but as an automatic module it cannot say so; an explicit
    // module such as ASM is resolved only when some module requires it.
    requires org.objectweb.asm;

    // Not an API. jnr-ffi defines the class that implements LibC in a class loader of its own (an
    // unnamed module), which may implement the interface only if its package is exported to all.
    exports dev.jfork.jnr.internal;

    provides dev.jfork.spi.ProcessForker with dev.jfork.jnr.JnrProcessForker;
}
