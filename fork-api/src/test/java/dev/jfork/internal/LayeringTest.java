package dev.jfork.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * One direction of dependency in fork-api: the internal packages sit below the exported API, so no
 * class under {@code dev.jfork.internal} names {@code Forker} or {@code ForkedProcess}, in its source
 * (an import, a fully-qualified name, a Javadoc link) or in its compiled constant pool; and none refers
 * to any class of {@code dev.jfork} that uses the internal packages itself (see fork-api/README.md).
 */
class LayeringTest {
    private static final List<String> ABOVE = List.of("Forker", "ForkedProcess");
    private static final Path SOURCES = Path.of("src/main/java/dev/jfork/internal");
    private static final Path CLASSES = Path.of("target/classes/dev/jfork/internal");

    @Test
    @DisplayName("no internal source imports or names dev.jfork.Forker or dev.jfork.ForkedProcess")
    void internalSourcesNameNoPublicFacade() throws IOException {
        Pattern named = Pattern.compile("dev\\.jfork\\.(" + String.join("|", ABOVE) + ")\\b");
        // a plain import of the package's types would need the simple name: a same-package wildcard cannot exist here
        Pattern wildcard = Pattern.compile("^\\s*import\\s+(static\\s+)?dev\\.jfork\\.\\*\\s*;", Pattern.MULTILINE);
        List<Path> files = files(SOURCES, ".java");
        assertThat(files).as("internal sources under %s", SOURCES.toAbsolutePath()).hasSizeGreaterThan(50);
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            String text = Files.readString(file);
            Matcher m = named.matcher(text);
            while (m.find()) {
                found.add(SOURCES.relativize(file) + ": " + m.group());
            }
            if (wildcard.matcher(text).find()) {
                found.add(SOURCES.relativize(file) + ": import dev.jfork.*");
            }
        }
        assertThat(found).as("internal code must not depend on the public facade").isEmpty();
    }

    @Test
    @DisplayName("no compiled internal class refers to dev/jfork/Forker or dev/jfork/ForkedProcess")
    void internalClassesReferNoPublicFacade() throws IOException {
        List<Path> files = files(CLASSES, ".class");
        assertThat(files).as("compiled classes under %s", CLASSES.toAbsolutePath()).hasSizeGreaterThan(50);
        List<String> found = new ArrayList<>();
        for (Path file : files) {
            for (String utf8 : utf8Constants(file)) {
                for (String type : ABOVE) {
                    String internal = "dev/jfork/" + type;
                    if (utf8.equals(internal) || utf8.contains("L" + internal + ";")
                        || utf8.startsWith(internal + "$") || utf8.contains("L" + internal + "$")) {
                        found.add(CLASSES.relativize(file) + ": " + utf8);
                    }
                }
            }
        }
        assertThat(found).as("internal classes must not refer to the public facade").isEmpty();
    }

    @Test
    @DisplayName("no compiled internal class refers to a class of dev.jfork that refers to the internal packages (no circle)")
    void noCircleThroughThePublicPackage() throws IOException {
        Path api = Path.of("target/classes/dev/jfork");
        Set<String> usesInternal = new TreeSet<>();
        try (Stream<Path> list = Files.list(api)) {
            for (Path file : list.filter(p -> p.toString().endsWith(".class")).toList()) {
                if (utf8Constants(file).stream().anyMatch(u -> u.contains("dev/jfork/internal/"))) {
                    String name = file.getFileName().toString();
                    usesInternal.add(name.substring(0, name.length() - ".class".length()).split("\\$")[0]);
                }
            }
        }
        assertThat(usesInternal).as("the facade, which uses the internal packages").contains("Forker", "ForkedProcess");
        Pattern type = Pattern.compile("dev/jfork/([A-Za-z0-9_]+)(?![A-Za-z0-9_/])");
        List<String> found = new ArrayList<>();
        for (Path file : files(CLASSES, ".class")) {
            for (String utf8 : utf8Constants(file)) {
                Matcher m = type.matcher(utf8);
                while (m.find()) {
                    if (usesInternal.contains(m.group(1))) {
                        found.add(CLASSES.relativize(file) + " -> dev.jfork." + m.group(1));
                    }
                }
            }
        }
        assertThat(found).as("internal classes may use the API's values and exceptions, never a class of dev.jfork"
            + " that itself uses internal code (%s)", usesInternal).isEmpty();
    }

    @Test
    @DisplayName("the class-file scan finds a reference where there is one")
    void scanSeesAReference() throws IOException {
        // dev.jfork.ChildStarts builds ForkedProcess: the scan must see it there, or it proves nothing
        List<String> utf8 = utf8Constants(Path.of("target/classes/dev/jfork/ChildStarts.class"));
        assertThat(utf8).contains("dev/jfork/ForkedProcess");
    }

    private static List<Path> files(Path root, String suffix) throws IOException {
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }

    /** The CONSTANT_Utf8 entries of a class file's constant pool (JVMS 4.4). */
    private static List<String> utf8Constants(Path classFile) throws IOException {
        List<String> strings = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
            assertThat(in.readInt()).as("magic of %s", classFile).isEqualTo(0xCAFEBABE);
            in.readUnsignedShort();
            in.readUnsignedShort();
            int count = in.readUnsignedShort();
            for (int i = 1; i < count; i++) {
                int tag = in.readUnsignedByte();
                switch (tag) {
                    case 1 -> strings.add(in.readUTF());
                    case 3, 4 -> in.readInt();
                    case 5, 6 -> {
                        in.readLong();
                        i++;
                    }
                    case 7, 8, 16, 19, 20 -> in.readUnsignedShort();
                    case 9, 10, 11, 12, 17, 18 -> in.readInt();
                    case 15 -> {
                        in.readUnsignedByte();
                        in.readUnsignedShort();
                    }
                    default -> throw new IOException(classFile + ": unknown constant pool tag " + tag);
                }
            }
        }
        return strings;
    }
}
