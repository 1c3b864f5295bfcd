package dev.jfork.internal.launch;

import dev.jfork.internal.child.ChildRuntime;
import dev.jfork.internal.child.ChildStreams;
import dev.jfork.internal.vm.ClassPreload;
import dev.jfork.internal.vm.EdenHeadroom;
import dev.jfork.internal.vm.HeapCheck;
import dev.jfork.internal.vm.HugePageAdvice;
import dev.jfork.internal.vm.InterpretedForkSite;
import dev.jfork.internal.vm.PreWarm;
import dev.jfork.internal.vm.ThreadCheck;
import dev.jfork.spi.ProcessForker;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the parent does before every fork: refuse a shared heap, warm the child's path once per
 * backend, flush its streams, warn about other threads, and make room in eden. It also holds the
 * child's {@code System.out} and {@code System.err}, made once and never written in the parent, so
 * that each child gets a pristine copy without allocating.
 */
final class ParentPreparation {
    private static final Set<Class<?>> WARMED = ConcurrentHashMap.newKeySet();

    private final ProcessForker backend;
    private volatile ChildStreams childStreams;
    private volatile int pid;

    ParentPreparation(ProcessForker backend) {
        this.backend = backend;
    }

    /** The child's standard streams, made once in {@link #prepare()}. */
    ChildStreams childStreams() {
        return childStreams;
    }

    /** This process's pid, as the backend says (the JDK's own answer is wrong in a child). */
    int pid() {
        return pid;
    }

    void prepare() {
        HeapCheck.requirePrivateHeap();
        if (childStreams == null || pid != backend.getpid()) {
            synchronized (this) {
                if (childStreams == null || pid != backend.getpid()) {
                    // again in a child that forks in turn: its pid is its own
                    InterpretedForkSite.ensure();
                    ClassPreload.jdkClassListOnce();
                    warmUpOncePerBackend();
                    pid = backend.getpid();
                    childStreams = new ChildStreams(ChildRuntime.childInput(backend),
                        ChildRuntime.childStream(backend, 1), ChildRuntime.childStream(backend, 2));
                }
            }
        }
        System.out.flush();
        System.err.flush();
        ThreadCheck.warnOnceIfOtherThreads();
        HugePageAdvice.adviseOnce();
        EdenHeadroom.ensure();
    }

    private void warmUpOncePerBackend() {
        synchronized (WARMED) {
            if (WARMED.contains(backend.getClass())) {
                return;
            }
            try {
                PreWarm.run(backend);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException("jfork's warm-up failed: " + e, e);
            }
            WARMED.add(backend.getClass());
        }
    }
}
