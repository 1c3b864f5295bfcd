/**
 * The JNI backend of jfork: a small C library shipped in the jar, bound with
 * {@code RegisterNatives}, which also runs whole child paths natively.
 */
module dev.jfork.jni {
    requires dev.jfork;

    provides dev.jfork.spi.ProcessForker with dev.jfork.jni.JniProcessForker;
}
