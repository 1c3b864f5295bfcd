package dev.jfork.conformance.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.discovery.DiscoverySelectors;
import org.junit.platform.engine.support.descriptor.ClassSource;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;

/** The kit's sections as JUnit finds them, without running any. */
class KitSectionsTest {
    @Test
    void everySectionOfEveryRoomIsFoundUnderANameOfItsOwn() {
        List<Class<?>> declared = new ArrayList<>();
        for (Class<?> room = SelectedBackendKit.class; room != Object.class; room = room.getSuperclass()) {
            for (Class<?> nested : room.getDeclaredClasses()) {
                if (nested.isAnnotationPresent(Nested.class)) {
                    declared.add(nested);
                }
            }
        }
        // JUnit names a section by its simple name: two of one name are one section, the other dropped
        Set<String> names = new TreeSet<>();
        List<String> twice = declared.stream().map(Class::getSimpleName).filter(n -> !names.add(n)).toList();
        assertThat(twice).as("sections named like another of the chain").isEmpty();

        TestPlan plan = LauncherFactory.create().discover(LauncherDiscoveryRequestBuilder.request()
            .selectors(DiscoverySelectors.selectClass(SelectedBackendKit.class)).build());
        Set<String> found = new TreeSet<>();
        for (TestIdentifier root : plan.getRoots()) {
            for (TestIdentifier kit : plan.getChildren(root)) {
                for (TestIdentifier section : plan.getChildren(kit)) {
                    section.getSource().filter(ClassSource.class::isInstance).map(ClassSource.class::cast)
                        .ifPresent(s -> found.add(s.getJavaClass().getName()));
                }
            }
        }
        assertThat(found).isEqualTo(declared.stream().map(Class::getName).collect(Collectors.toCollection(TreeSet::new)));
    }
}
