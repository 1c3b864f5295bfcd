package dev.jfork.internal.launch;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jfork.ErrnoException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("the program posix_spawnp would run, looked up the way execvp searches")
class ProgramLookupTest {

    @Test
    @DisplayName("a program on PATH and an executable path are let through")
    void found(@TempDir Path dir) throws Exception {
        Path tool = Files.writeString(dir.resolve("tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatCode(() -> ProgramLookup.check("sh")).doesNotThrowAnyException();
        assertThatCode(() -> ProgramLookup.check(tool.toString())).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("a missing path and a name on no PATH entry are ENOENT, and the message names the program")
    void missing(@TempDir Path dir) {
        String path = dir.resolve("absent").toString();
        assertThatThrownBy(() -> ProgramLookup.check(path)).isInstanceOfSatisfying(ErrnoException.class,
            e -> assertThat(e.errnoName()).isEqualTo("ENOENT")).hasMessageContaining(path);
        assertThatThrownBy(() -> ProgramLookup.check(dir + "/no/such/dir/tool")).isInstanceOf(ErrnoException.class)
            .hasMessageContaining("ENOENT");
        assertThatThrownBy(() -> ProgramLookup.check("jfork-no-such-program-anywhere"))
            .isInstanceOf(ErrnoException.class).hasMessageContaining("ENOENT").hasMessageContaining("searched PATH=");
        assertThatThrownBy(() -> ProgramLookup.check("")).isInstanceOf(ErrnoException.class)
            .hasMessageContaining("ENOENT");
    }

    @Test
    @DisplayName("a file without execute permission and a directory are EACCES")
    void notExecutable(@TempDir Path dir) throws Exception {
        Path plain = Files.writeString(dir.resolve("plain.sh"), "exit 0\n");
        Files.setPosixFilePermissions(plain, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> ProgramLookup.check(plain.toString())).isInstanceOf(ErrnoException.class)
            .hasMessageContaining("EACCES");
        assertThatThrownBy(() -> ProgramLookup.check(dir.toString())).isInstanceOf(ErrnoException.class)
            .hasMessageContaining("EACCES");
    }

    @Test
    @DisplayName("a path through a file (ENOTDIR) and a dangling link are left to the spawn, which knows their errno")
    void unclearLeftToSpawn(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("file"), "x");
        assertThatCode(() -> ProgramLookup.check(file + "/below")).doesNotThrowAnyException();
        Path dangling = Files.createSymbolicLink(dir.resolve("dangling"), dir.resolve("gone"));
        assertThatCode(() -> ProgramLookup.check(dangling.toString())).doesNotThrowAnyException();
    }

    @Test
    @DisplayName("in a working directory: it must be one that can be entered, and ./tool is looked up from it")
    void inADirectory(@TempDir Path dir) throws Exception {
        Path tool = Files.writeString(dir.resolve("tool"), "#!/bin/sh\n");
        Files.setPosixFilePermissions(tool, PosixFilePermissions.fromString("rwxr-xr-x"));
        assertThatCode(() -> ProgramLookup.check("./tool", dir.toString())).doesNotThrowAnyException();
        assertThatCode(() -> ProgramLookup.check("sh", dir.toString())).doesNotThrowAnyException();
        assertThatThrownBy(() -> ProgramLookup.check("./absent", dir.toString()))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"))
            .hasMessageContaining("./absent").hasMessageContaining(dir.toString());
        String missing = dir.resolve("no-such-dir").toString();
        assertThatThrownBy(() -> ProgramLookup.check("sh", missing))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOENT"))
            .hasMessageStartingWith("chdir(" + missing + ") for posix_spawnp(sh)");
        assertThatThrownBy(() -> ProgramLookup.check("sh", tool.toString()))
            .isInstanceOfSatisfying(ErrnoException.class, e -> assertThat(e.errnoName()).isEqualTo("ENOTDIR"));
    }
}
