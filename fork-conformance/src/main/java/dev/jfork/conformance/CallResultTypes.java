package dev.jfork.conformance;

import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.Serializable;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/** Result types and a class loader for {@link CallResultKit}, and the state their deserialisation shares with it. */
final class CallResultTypes {
    private CallResultTypes() {
    }

    /** The application's lock that a result's {@code readResolve} takes. */
    static final ReentrantLock REGISTRY = new ReentrantLock();
    /** Counted down when a {@link Registered} result's {@code readResolve} begins, in the parent. */
    static volatile CountDownLatch resolving = new CountDownLatch(1);
    /** Whether that {@code readResolve} got {@link #REGISTRY} before it gave up. */
    static final AtomicBoolean registered = new AtomicBoolean();
    /** Set when a {@link Slow} result's {@code readObject} is done. */
    static final AtomicBoolean slowDone = new AtomicBoolean();
    /** How long a {@link Slow} result's {@code readObject} takes. */
    static volatile long slowMillis;

    /** A result whose {@code readResolve} takes the application's {@link #REGISTRY} lock, as an interning registry would. */
    static final class Registered implements Serializable {
        private static final long serialVersionUID = 1L;
        final int value;

        Registered(int value) {
            this.value = value;
        }

        private Object readResolve() throws InterruptedException {
            resolving.countDown();
            // bounded, so that a deadlock is a failed assertion rather than a hung JVM
            if (REGISTRY.tryLock(RawSpiKit.bound(5000), TimeUnit.MILLISECONDS)) {
                try {
                    registered.set(true);
                } finally {
                    REGISTRY.unlock();
                }
            }
            return this;
        }
    }

    /** A result whose {@code readObject} takes {@link #slowMillis}. */
    static final class Slow implements Serializable {
        private static final long serialVersionUID = 1L;
        final int value;

        Slow(int value) {
            this.value = value;
        }

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException, InterruptedException {
            in.defaultReadObject();
            resolving.countDown();
            Thread.sleep(slowMillis);
            slowDone.set(true);
        }
    }

    /** Loads {@code dev.jfork.conformance.plugin} itself, from the kit's own code location; the rest from its parent. */
    static final class PluginLoader extends URLClassLoader {
        static final String PACKAGE = "dev.jfork.conformance.plugin.";

        PluginLoader() {
            super(new URL[] {CallResultTypes.class.getProtectionDomain().getCodeSource().getLocation()},
                CallResultTypes.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith(PACKAGE)) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> type = findLoadedClass(name);
                return type != null ? type : findClass(name);
            }
        }

        @SuppressWarnings("unchecked")
        java.util.function.Function<Object, Object> function() throws ReflectiveOperationException {
            return (java.util.function.Function<Object, Object>) task("point");
        }

        @SuppressWarnings("unchecked")
        java.util.concurrent.Callable<Object> task(String mode) throws ReflectiveOperationException {
            Class<?> type = loadClass(PACKAGE + "PluginTask");
            return (java.util.concurrent.Callable<Object>) type.getConstructor(String.class).newInstance(mode);
        }
    }
}
