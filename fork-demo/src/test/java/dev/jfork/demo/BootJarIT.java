package dev.jfork.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A program packaged as a Spring Boot executable jar (its classes under {@code BOOT-INF/classes}, jfork
 * as a nested jar under {@code BOOT-INF/lib}, started by Boot's {@code JarLauncher}, so that every class
 * of the program lives in Boot's own class loader) calls, on each backend: a record declared beside the
 * task, a top-level record built by a helper class the task calls, and an exception declared beside the
 * task all come back as the program's own classes.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
@DisplayName("a call from a Spring Boot executable jar")
class BootJarIT {
    private static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    private static final String MAIN = String.join("\n",
        "package app;",
        "import dev.jfork.*;",
        "public class Main {",
        "    public record Point(int x, int y) implements java.io.Serializable { }",
        "    public static class Refused extends RuntimeException {",
        "        public Refused(String message) { super(message); }",
        "    }",
        "    public static void main(String[] args) throws Exception {",
        "        Forker f = Forker.create();",
        "        ClassLoader boot = Main.class.getClassLoader();",
        "        System.out.println(\"LOADER \" + boot.getClass().getName());",
        "        Point p = f.call(() -> new Point(1, 2));",
        "        System.out.println(\"POINT \" + p + \" same loader: \" + (p.getClass().getClassLoader() == boot));",
        "        Made m = f.call(() -> Helper.make(3));",
        "        System.out.println(\"MADE \" + m + \" same loader: \" + (m.getClass().getClassLoader() == boot));",
        "        try {",
        "            f.call(() -> { throw new Refused(\"no\"); });",
        "        } catch (ChildFailureException e) {",
        "            System.out.println(\"THREW \" + e.getCause().getClass().getName() + \" same loader: \"",
        "                + (e.getCause().getClass().getClassLoader() == boot));",
        "        }",
        "    }",
        "}", "");
    private static final String MADE = "package app;\npublic record Made(int value, String how) implements java.io.Serializable { }\n";
    private static final String HELPER = "package app;\nfinal class Helper {\n    static Made make(int value) {\n"
        + "        return new Made(value, \"by the helper\");\n    }\n}\n";

    @TempDir
    static Path work;
    private static Path bootJar;

    @BeforeAll
    static void buildTheJar() throws Exception {
        Path demoJar = Path.of(System.getProperty("demo.jar"));
        Path sources = Files.createDirectories(work.resolve("src/app"));
        Files.writeString(sources.resolve("Main.java"), MAIN);
        Files.writeString(sources.resolve("Made.java"), MADE);
        Files.writeString(sources.resolve("Helper.java"), HELPER);
        Path classes = Files.createDirectories(work.resolve("classes"));
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        Assumptions.assumeTrue(javac != null, "this runtime has no compiler");
        int compiled = javac.run(null, null, null, "-d", classes.toString(), "-cp", demoJar.toString(),
            sources.resolve("Main.java").toString(), sources.resolve("Made.java").toString(),
            sources.resolve("Helper.java").toString());
        assertThat(compiled).as("javac's exit code").isZero();
        Path loader = Path.of(org.springframework.boot.loader.launch.JarLauncher.class.getProtectionDomain()
            .getCodeSource().getLocation().toURI());
        bootJar = work.resolve("app.jar");
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, "org.springframework.boot.loader.launch.JarLauncher");
        manifest.getMainAttributes().putValue("Start-Class", "app.Main");
        manifest.getMainAttributes().putValue("Enable-Native-Access", "ALL-UNNAMED");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(bootJar), manifest);
             JarFile loaderJar = new JarFile(loader.toFile())) {
            // Boot's launcher, unpacked at the root, as its Maven plugin lays it out
            for (JarEntry entry : java.util.Collections.list(loaderJar.entries())) {
                if (!entry.isDirectory() && entry.getName().startsWith("org/")) {
                    out.putNextEntry(new JarEntry(entry.getName()));
                    loaderJar.getInputStream(entry).transferTo(out);
                    out.closeEntry();
                }
            }
            // Boot's launcher finds the program's classes by their directory entries
            for (String directory : List.of("BOOT-INF/", "BOOT-INF/classes/", "BOOT-INF/classes/app/", "BOOT-INF/lib/")) {
                out.putNextEntry(new JarEntry(directory));
                out.closeEntry();
            }
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
                    out.putNextEntry(new JarEntry("BOOT-INF/classes/" + classes.relativize(file).toString().replace('\\', '/')));
                    Files.copy(file, out);
                    out.closeEntry();
                }
            }
            // a nested jar is stored, not deflated: Boot reads it in place
            stored(out, "BOOT-INF/lib/" + demoJar.getFileName(), Files.readAllBytes(demoJar));
        }
    }

    private static void stored(JarOutputStream out, String name, byte[] bytes) throws IOException {
        JarEntry entry = new JarEntry(name);
        CRC32 crc = new CRC32();
        crc.update(bytes);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(bytes.length);
        entry.setCompressedSize(bytes.length);
        entry.setCrc(crc.getValue());
        out.putNextEntry(entry);
        out.write(bytes);
        out.closeEntry();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"jni", "jnr", "jna", "ffm"})
    @DisplayName("records beside the task and built by a helper, and an exception, come back as Boot's classes")
    void callsFromABootJar(String backend) throws Exception {
        if (backend.equals("ffm")) {
            Assumptions.assumeTrue(Runtime.version().feature() >= 22, "ffm needs JDK 22+");
        }
        List<String> command = new ArrayList<>(List.of(JAVA.toString(), "-Dfork.backend=" + backend,
            "-Dfork.warnThreads=false", "-jar", bootJar.toString()));
        Process app = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out;
        try {
            CompletableFuture<byte[]> read = CompletableFuture.supplyAsync(() -> {
                try {
                    return app.getInputStream().readAllBytes();
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            assertThat(app.waitFor(120, TimeUnit.SECONDS)).as("the Boot jar's program ended").isTrue();
            out = new String(read.get(10, TimeUnit.SECONDS), StandardCharsets.UTF_8);
        } finally {
            app.destroyForcibly();
            app.waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(out).as(out)
            .contains("LOADER org.springframework.boot.loader")
            .contains("POINT Point[x=1, y=2] same loader: true")
            .contains("MADE Made[value=3, how=by the helper] same loader: true")
            .contains("THREW app.Main$Refused same loader: true");
        assertThat(app.exitValue()).as(out).isZero();
    }
}
