package dev.jfork.internal.launch;

import dev.jfork.HugePageReport;
import dev.jfork.internal.child.ChildRuntime;
import dev.jfork.internal.child.ChildStreams;
import dev.jfork.internal.child.Reseeder;
import dev.jfork.internal.vm.ClassPreload;
import dev.jfork.internal.vm.EdenHeadroom;
import dev.jfork.internal.vm.HeapCheck;
import dev.jfork.internal.vm.HeapOnHugePages;
import dev.jfork.internal.vm.HugePageAdvice;
import dev.jfork.internal.vm.InheritedLocks;
import dev.jfork.internal.vm.InterpretedForkSite;
import dev.jfork.internal.vm.MetaspaceHeadroom;
import dev.jfork.internal.vm.ShenandoahPacing;
import dev.jfork.internal.vm.PreWarm;
import dev.jfork.internal.vm.ThreadCheck;
import dev.jfork.spi.MemoryAdvice;
import dev.jfork.spi.ProcessForker;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What the parent does before every fork: refuse a shared heap, warm the child's path once per
 * backend, flush its streams, warn about other threads, and make room in eden. It also holds the
 * child's {@code System.out} and {@code System.err}, made once and never written in the parent, so
 * that each child gets a pristine copy without allocating.
 */
final class ParentPreparation {
    private static final Set<Class<?>> WARMED = ConcurrentHashMap.newKeySet();
    private static final AtomicBoolean HUGE_PAGES_ASKED = new AtomicBoolean();

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
        warmOnce();
        if (!ForkThread.isForkingThread()) {
            // the forking thread does not flush: its caller did (ForkThread), and may hold the streams' locks
            System.out.flush();
            System.err.flush();
        }
        SigchldCheck.atFork(backend);
        InterpretedForkSite.atFork();
        ThreadCheck.warnOnceIfOtherThreads();
        hugePagesIfAsked();
        HugePageAdvice.adviseOnce();
        // a full collection, when one is needed, before eden's room is made
        MetaspaceHeadroom.ensure();
        EdenHeadroom.ensure();
    }

    /**
     * The first fork's warm-up, once per process (again in a child that forks in turn). It runs the child
     * path here, {@code System.out.flush()} included: the thread that asks for a fork runs it before it
     * hands the fork over ({@link ForkLauncher#warmUpHere}), since it may hold that stream's lock.
     */
    void warmOnce() {
        if (childStreams == null || pid != backend.getpid()) {
            synchronized (this) {
                if (childStreams == null || pid != backend.getpid()) {
                    // again in a child that forks in turn: its pid is its own
                    ClassPreload.jdkClassListOnce();
                    // before the warm-up, which makes a child's write of the flag on /dev/null
                    ShenandoahPacing.locateOnce();
                    warmUpOncePerBackend();
                    InheritedLocks.locateOnce();
                    Reseeder.prepareOnce(backend);
                    DeadlockCause.locateOnce();
                    pid = backend.getpid();
                    childStreams = new ChildStreams(ChildRuntime.childInput(backend),
                        ChildRuntime.childStream(backend, 1), ChildRuntime.childStream(backend, 2));
                }
            }
        }
    }

    HugePageReport hugePagesForHeap() {
        if (!(backend instanceof MemoryAdvice)) {
            throw new IllegalStateException("jfork: backend '" + backend.name() + "' cannot madvise, so it cannot put"
                + " the heap on huge pages; start the JVM with -XX:+UseTransparentHugePages instead");
        }
        HugePageReport report = HeapOnHugePages.apply((MemoryAdvice) backend);
        HugePageAdvice.done();
        return report;
    }

    /** {@code -Dfork.hugePages=runtime}: once per JVM, at the first fork; logged, never failing the fork. */
    private void hugePagesIfAsked() {
        String asked = System.getProperty(HugePageAdvice.HUGE_PAGES_PROPERTY);
        if (asked == null || HUGE_PAGES_ASKED.get() || !HUGE_PAGES_ASKED.compareAndSet(false, true)) {
            return;
        }
        System.Logger log = System.getLogger("dev.jfork");
        if (!"runtime".equals(asked)) {
            log.log(System.Logger.Level.WARNING, "jfork: -D" + HugePageAdvice.HUGE_PAGES_PROPERTY + "=" + asked
                + " is not known; the only value is 'runtime'");
            return;
        }
        try {
            log.log(System.Logger.Level.INFO, hugePagesForHeap().toString());
        } catch (RuntimeException e) {
            log.log(System.Logger.Level.WARNING, "jfork: -D" + HugePageAdvice.HUGE_PAGES_PROPERTY
                + "=runtime could not be done: " + e.getMessage());
        }
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
