package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@DisplayName("the hooks' bracket around a fork")
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class HookRegistryTest {
    private final List<Runnable> registered = new ArrayList<>();

    @AfterEach
    void unregister() {
        registered.forEach(HookRegistry::remove);
    }

    private Runnable before(Runnable hook) {
        registered.add(hook);
        HookRegistry.addBefore(hook);
        return hook;
    }

    private Runnable afterInParent(Runnable hook) {
        registered.add(hook);
        HookRegistry.addAfterInParent(hook);
        return hook;
    }

    @Test
    @DisplayName("a before hook that throws still lets the lock an earlier before hook took be released, then rethrows")
    void throwingBeforeHookClosesTheBracket() throws Exception {
        ReentrantLock appLock = new ReentrantLock();
        IllegalStateException failure = new IllegalStateException("some library's before hook failed");
        // registered first, so it runs last: the other before hook has taken its lock by then
        before(() -> {
            throw failure;
        });
        before(appLock::lock);
        afterInParent(appLock::unlock);

        assertThatThrownBy(HookRegistry::runBefore).isSameAs(failure);

        assertThat(appLock.isHeldByCurrentThread()).as("the lock the before hook took is released").isFalse();
        boolean[] got = new boolean[1];
        Thread other = new Thread(() -> got[0] = appLock.tryLock());
        other.start();
        other.join();
        assertThat(got[0]).as("another thread can take the lock").isTrue();
    }

    @Test
    @DisplayName("a before hook that throws first does not keep the later before hooks and their afterInParent from running")
    void everyHookOfTheBracketRunsOnce() {
        List<String> ran = new ArrayList<>();
        before(() -> ran.add("before B"));
        before(() -> {
            throw new IllegalArgumentException("first");
        });
        before(() -> ran.add("before A"));
        afterInParent(() -> ran.add("after A"));
        afterInParent(() -> ran.add("after B"));

        assertThatThrownBy(HookRegistry::runBefore).isInstanceOf(IllegalArgumentException.class).hasMessage("first");
        assertThat(ran).containsExactly("before A", "before B", "after A", "after B");
    }
}
