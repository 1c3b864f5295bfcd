/*
 * libjfork: the native half of jfork's JNI backend (dev.jfork.jni.NativeCalls).
 *
 * Conventions:
 *  - Every call that can fail returns -errno, read right after the failing call, so no later
 *    JNI call can clobber it. The Java side throws ErrnoException.
 *  - JNI_OnLoad binds every method with RegisterNatives: nothing is looked up lazily later,
 *    in particular not in a forked child.
 *  - Strings arrive as NUL-terminated byte[] (encoded in Java); arguments are checked in Java.
 *  - The fork-based child paths copy everything they need out of Java before fork(); the child
 *    then only makes async-signal-safe system calls: no malloc, no locks, no JNI, no printf.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jni.h>
#include "dev_jfork_jni_NativeCalls.h"

extern char **environ;

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434 /* the same on x86_64 and aarch64 */
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424 /* the same on x86_64 and aarch64 */
#endif
#ifndef SYS_close_range
#define SYS_close_range 436 /* the same on x86_64 and aarch64 */
#endif
#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Largest transfer of one read or write chunk, staged on the native stack. */
#define IO_CHUNK 16384
/* Room for a pid in decimal: at most 10 digits for a positive int. */
#define PID_DIGITS 11
/* Small payloads of the child paths are staged on the stack instead of the heap. */
#define SMALL_PAYLOAD 512

/* -errno of the call that just failed; never 0. */
static inline jint fail(void) {
    int e = errno;
    return e > 0 ? -e : -EIO;
}

/* ---------------------------------------------------------------------------------------------
 * Copying Java arguments to native memory (parent side only).
 */

/* Copies a NUL-terminated byte[] into malloc'd memory. Returns NULL with *err set. */
static char *cstring_new(JNIEnv *env, jbyteArray bytes, int *err) {
    jsize n = (*env)->GetArrayLength(env, bytes);
    if (n < 1) {
        *err = EINVAL;
        return NULL;
    }
    char *s = malloc((size_t) n);
    if (s == NULL) {
        *err = ENOMEM;
        return NULL;
    }
    (*env)->GetByteArrayRegion(env, bytes, 0, n, (jbyte *) s);
    if (s[n - 1] != '\0') {
        free(s);
        *err = EINVAL;
        return NULL;
    }
    return s;
}

/*
 * Copies a byte[][] of NUL-terminated strings into one malloc'd block: a NULL-terminated char*[]
 * followed by the bytes. One free() releases it. Returns NULL with *err set.
 */
static char **argv_new(JNIEnv *env, jobjectArray array, int *err) {
    jsize count = (*env)->GetArrayLength(env, array);
    size_t bytes = 0;
    for (jsize i = 0; i < count; i++) {
        jbyteArray arg = (jbyteArray) (*env)->GetObjectArrayElement(env, array, i);
        if (arg == NULL) {
            *err = EINVAL;
            return NULL;
        }
        bytes += (size_t) (*env)->GetArrayLength(env, arg);
        (*env)->DeleteLocalRef(env, arg);
    }
    size_t head = ((size_t) count + 1) * sizeof(char *);
    char *block = malloc(head + bytes);
    if (block == NULL) {
        *err = ENOMEM;
        return NULL;
    }
    char **argv = (char **) block;
    char *p = block + head;
    char *end = p + bytes;
    for (jsize i = 0; i < count; i++) {
        jbyteArray arg = (jbyteArray) (*env)->GetObjectArrayElement(env, array, i);
        jsize n = arg == NULL ? 0 : (*env)->GetArrayLength(env, arg);
        if (n < 1 || p + n > end) {
            (*env)->DeleteLocalRef(env, arg);
            free(block);
            *err = EINVAL;
            return NULL;
        }
        (*env)->GetByteArrayRegion(env, arg, 0, n, (jbyte *) p);
        (*env)->DeleteLocalRef(env, arg);
        if (p[n - 1] != '\0') {
            free(block);
            *err = EINVAL;
            return NULL;
        }
        argv[i] = p;
        p += n;
    }
    argv[count] = NULL;
    return argv;
}

/* ---------------------------------------------------------------------------------------------
 * Child side of the fork-based paths: async-signal-safe system calls only.
 */

/* Default SIGTERM/SIGINT/SIGHUP, an empty signal mask, then the child's own alarm. */
static void child_prepare(jint alarm_seconds) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTERM, &dfl, NULL);
    sigaction(SIGINT, &dfl, NULL);
    sigaction(SIGHUP, &dfl, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    if (alarm_seconds > 0) {
        alarm((unsigned) alarm_seconds);
    }
}

/* Writes all n bytes, retrying EINTR and short writes. Returns 0, or -1 on error. */
static int write_fully(int fd, const char *p, size_t n) {
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        p += w;
        n -= (size_t) w;
    }
    return 0;
}

/* Writes v in decimal at out, without printf. Returns the number of digits. */
static size_t format_decimal(char *out, unsigned int v) {
    char reversed[PID_DIGITS];
    size_t n = 0;
    do {
        reversed[n++] = (char) ('0' + v % 10);
        v /= 10;
    } while (v != 0 && n < sizeof reversed);
    for (size_t i = 0; i < n; i++) {
        out[i] = reversed[n - 1 - i];
    }
    return n;
}

/* ---------------------------------------------------------------------------------------------
 * ProcessForker primitives.
 */

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_fork(JNIEnv *env, jclass cls) {
    pid_t pid = fork();
    return pid < 0 ? fail() : (jint) pid;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_getpid(JNIEnv *env, jclass cls) {
    return (jint) getpid();
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_getppid(JNIEnv *env, jclass cls) {
    return (jint) getppid();
}

JNIEXPORT void JNICALL Java_dev_jfork_jni_NativeCalls__1exit(JNIEnv *env, jclass cls, jint status) {
    _exit(status);
}

JNIEXPORT void JNICALL Java_dev_jfork_jni_NativeCalls_warmUpExit(JNIEnv *env, jclass cls, jint value) {
    /* Deliberately nothing: the point is the JVM's call path for a static native void (int). */
    (void) value;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_waitpid(JNIEnv *env, jclass cls, jint pid,
                                                              jintArray status, jint options) {
    int st = 0;
    pid_t r;
    do {
        r = waitpid((pid_t) pid, &st, options);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        return fail();
    }
    if (r > 0) {
        jint raw = st;
        (*env)->SetIntArrayRegion(env, status, 0, 1, &raw);
    }
    return (jint) r;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_waitExitedNoReap(JNIEnv *env, jclass cls, jint pid) {
    siginfo_t info;
    int r;
    do {
        memset(&info, 0, sizeof info);
        r = waitid(P_PID, (id_t) pid, &info, WEXITED | WNOWAIT);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? fail() : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_kill(JNIEnv *env, jclass cls, jint pid, jint sig) {
    return kill((pid_t) pid, sig) < 0 ? fail() : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_pipe2(JNIEnv *env, jclass cls, jintArray out) {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        return fail();
    }
    jint values[2] = {fds[0], fds[1]};
    (*env)->SetIntArrayRegion(env, out, 0, 2, values);
    return 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_read(JNIEnv *env, jclass cls, jint fd,
                                                           jbyteArray buffer, jint length) {
    char chunk[IO_CHUNK];
    size_t want = length < IO_CHUNK ? (size_t) length : IO_CHUNK;
    ssize_t n = read(fd, chunk, want);
    if (n < 0) {
        return fail();
    }
    if (n > 0) {
        (*env)->SetByteArrayRegion(env, buffer, 0, (jsize) n, (const jbyte *) chunk);
    }
    return (jint) n;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_write(JNIEnv *env, jclass cls, jint fd,
                                                            jbyteArray buffer, jint length) {
    char chunk[IO_CHUNK];
    jint done = 0;
    do {
        jint size = length - done < IO_CHUNK ? length - done : IO_CHUNK;
        if (size > 0) {
            (*env)->GetByteArrayRegion(env, buffer, done, size, (jbyte *) chunk);
        }
        ssize_t n = write(fd, chunk, (size_t) size);
        if (n < 0) {
            /* Report what was written; the error, if it persists, shows on the next call. */
            return done > 0 ? done : fail();
        }
        done += (jint) n;
        if (n < size) {
            break;
        }
    } while (done < length);
    return done;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_close(JNIEnv *env, jclass cls, jint fd) {
    return close(fd) < 0 ? fail() : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_dup2(JNIEnv *env, jclass cls, jint old_fd, jint new_fd) {
    int r = dup2(old_fd, new_fd);
    return r < 0 ? fail() : r;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_open(JNIEnv *env, jclass cls, jbyteArray path, jint flags,
                                                           jint mode) {
    int err = 0;
    char *p = cstring_new(env, path, &err);
    if (p == NULL) {
        return -err;
    }
    int fd;
    do {
        fd = open(p, flags, (mode_t) mode);
    } while (fd < 0 && errno == EINTR);
    err = errno;
    free(p);
    return fd < 0 ? -err : fd;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_execv(JNIEnv *env, jclass cls, jbyteArray path,
                                                            jobjectArray args) {
    int err = 0;
    char *p = cstring_new(env, path, &err);
    if (p == NULL) {
        return -err;
    }
    char **argv = argv_new(env, args, &err);
    if (argv == NULL) {
        free(p);
        return -err;
    }
    execv(p, argv);
    err = errno;
    free(argv);
    free(p);
    return err > 0 ? -err : -EIO;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_execvp(JNIEnv *env, jclass cls, jbyteArray file,
                                                             jobjectArray args) {
    int err = 0;
    char *f = cstring_new(env, file, &err);
    if (f == NULL) {
        return -err;
    }
    char **argv = argv_new(env, args, &err);
    if (argv == NULL) {
        free(f);
        return -err;
    }
    execvp(f, argv);
    err = errno;
    free(argv);
    free(f);
    return err > 0 ? -err : -EIO;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_alarm(JNIEnv *env, jclass cls, jint seconds) {
    return (jint) alarm((unsigned) seconds);
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_setParentDeathSignal(JNIEnv *env, jclass cls, jint sig) {
    return prctl(PR_SET_PDEATHSIG, (unsigned long) sig, 0UL, 0UL, 0UL) < 0 ? fail() : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_resetSignal(JNIEnv *env, jclass cls, jint sig) {
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    return sigaction(sig, &dfl, NULL) < 0 ? fail() : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_pidfdOpen(JNIEnv *env, jclass cls, jint pid) {
    long fd = syscall(SYS_pidfd_open, (pid_t) pid, 0U);
    return fd < 0 ? fail() : (jint) fd;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_pidfdSendSignal(JNIEnv *env, jclass cls, jint pidfd, jint sig) {
    return syscall(SYS_pidfd_send_signal, (int) pidfd, (int) sig, (void *) NULL, 0U) < 0 ? fail() : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_signalIgnored(JNIEnv *env, jclass cls, jint sig) {
    struct sigaction old;
    memset(&old, 0, sizeof old);
    if (sigaction(sig, NULL, &old) < 0) {
        return fail();
    }
    return (old.sa_flags & SA_SIGINFO) == 0 && old.sa_handler == SIG_IGN ? 1 : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_poll(JNIEnv *env, jclass cls, jint fd, jint events,
                                                           jint timeout_millis) {
    struct pollfd one;
    int r;
    do {
        one.fd = fd;
        one.events = (short) events;
        one.revents = 0;
        r = poll(&one, 1, timeout_millis);
    } while (r < 0 && errno == EINTR);
    return r < 0 ? fail() : r == 0 ? 0 : (jint) (one.revents & 0xffff);
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_closeOnExecFrom(JNIEnv *env, jclass cls, jint lowest_fd) {
    return syscall(SYS_close_range, (unsigned int) lowest_fd, ~0U, CLOSE_RANGE_CLOEXEC) < 0 ? fail() : 0;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_madvise(JNIEnv *env, jclass cls, jlong address, jlong length,
                                                              jint advice) {
    return madvise((void *) (intptr_t) address, (size_t) length, advice) < 0 ? fail() : 0;
}

/* ---------------------------------------------------------------------------------------------
 * NativeChildPaths.
 */

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_forkWriteAndExit(JNIEnv *env, jclass cls, jint fd,
                                                                       jbyteArray bytes, jint exit_code,
                                                                       jint alarm_seconds) {
    char small[SMALL_PAYLOAD];
    size_t n = (size_t) (*env)->GetArrayLength(env, bytes);
    char *buf = n <= sizeof small ? small : malloc(n);
    if (buf == NULL) {
        return -ENOMEM;
    }
    (*env)->GetByteArrayRegion(env, bytes, 0, (jsize) n, (jbyte *) buf);

    pid_t pid = fork();
    if (pid == 0) {
        child_prepare(alarm_seconds);
        _exit(write_fully(fd, buf, n) == 0 ? exit_code : 127);
    }
    jint r = pid < 0 ? fail() : (jint) pid;
    if (buf != small) {
        free(buf);
    }
    return r;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_forkPrintPidAndExit(JNIEnv *env, jclass cls, jint fd,
                                                                          jbyteArray prefix, jbyteArray suffix,
                                                                          jint exit_code, jint alarm_seconds) {
    /* Layout: [prefix][PID_DIGITS reserved][suffix]. The child writes the digits after the prefix
       and moves the suffix down behind them (forwards: the destination never passes the source). */
    char small[SMALL_PAYLOAD];
    size_t prefix_len = (size_t) (*env)->GetArrayLength(env, prefix);
    size_t suffix_len = (size_t) (*env)->GetArrayLength(env, suffix);
    size_t size = prefix_len + PID_DIGITS + suffix_len;
    char *buf = size <= sizeof small ? small : malloc(size);
    if (buf == NULL) {
        return -ENOMEM;
    }
    (*env)->GetByteArrayRegion(env, prefix, 0, (jsize) prefix_len, (jbyte *) buf);
    (*env)->GetByteArrayRegion(env, suffix, 0, (jsize) suffix_len, (jbyte *) (buf + prefix_len + PID_DIGITS));

    pid_t pid = fork();
    if (pid == 0) {
        child_prepare(alarm_seconds);
        char *digits = buf + prefix_len;
        size_t digit_count = format_decimal(digits, (unsigned int) getpid());
        char *from = buf + prefix_len + PID_DIGITS;
        char *to = digits + digit_count;
        for (size_t i = 0; i < suffix_len; i++) {
            to[i] = from[i];
        }
        _exit(write_fully(fd, buf, prefix_len + digit_count + suffix_len) == 0 ? exit_code : 127);
    }
    jint r = pid < 0 ? fail() : (jint) pid;
    if (buf != small) {
        free(buf);
    }
    return r;
}

JNIEXPORT jint JNICALL Java_dev_jfork_jni_NativeCalls_spawn(JNIEnv *env, jclass cls, jobjectArray args,
                                                            jint stdin_fd, jint stdout_fd, jint stderr_fd,
                                                            jbyteArray directory, jobjectArray environment) {
    int err = 0;
    char **argv = argv_new(env, args, &err);
    if (argv == NULL) {
        return -err;
    }
    if (argv[0] == NULL) {
        free(argv);
        return -EINVAL;
    }
    /* the child's working directory and environment, when given (else the parent's) */
    char *dir = NULL;
    char **envp = NULL;
    if (directory != NULL && (dir = cstring_new(env, directory, &err)) == NULL) {
        free(argv);
        return -err;
    }
    if (environment != NULL && (envp = argv_new(env, environment, &err)) == NULL) {
        free(dir);
        free(argv);
        return -err;
    }

    int sources[3] = {stdin_fd, stdout_fd, stderr_fd};
    int copies[3] = {-1, -1, -1};
    posix_spawnattr_t attr;
    posix_spawn_file_actions_t actions;
    int have_attr = 0;
    int have_actions = 0;
    pid_t pid = 0;

    if ((err = posix_spawnattr_init(&attr)) != 0) {
        goto done;
    }
    have_attr = 1;
    sigset_t defaults;
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGTERM);
    sigaddset(&defaults, SIGINT);
    sigaddset(&defaults, SIGHUP);
    sigset_t none;
    sigemptyset(&none);
    if ((err = posix_spawnattr_setsigdefault(&attr, &defaults)) != 0
        || (err = posix_spawnattr_setsigmask(&attr, &none)) != 0
        || (err = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK)) != 0) {
        goto done;
    }

    if ((err = posix_spawn_file_actions_init(&actions)) != 0) {
        goto done;
    }
    have_actions = 1;
    for (int target = 0; target < 3; target++) {
        int fd = sources[target];
        if (fd < 0) {
            continue;
        }
        if (fd < 3 && fd != target) {
            /* An earlier dup2 onto 0..2 could overwrite this source (e.g. stdin and stdout
               swapped): use a close-on-exec copy above 2 instead. */
            copies[target] = fcntl(fd, F_DUPFD_CLOEXEC, 3);
            if (copies[target] < 0) {
                err = errno;
                goto done;
            }
            fd = copies[target];
        }
        /* With fd == target, glibc (>= 2.29) clears close-on-exec, as POSIX now requires. */
        if ((err = posix_spawn_file_actions_adddup2(&actions, fd, target)) != 0) {
            goto done;
        }
    }
    if (dir != NULL && (err = posix_spawn_file_actions_addchdir_np(&actions, dir)) != 0) {
        goto done;
    }
    if ((err = posix_spawn_file_actions_addclosefrom_np(&actions, 3)) != 0) {
        goto done;
    }

    err = posix_spawnp(&pid, argv[0], &actions, &attr, argv, envp != NULL ? envp : environ);
    if (err != 0 && pid > 0) {
        /* glibc reaps a child whose exec failed and leaves pid alone; another libc might not. */
        while (waitpid(pid, NULL, 0) < 0 && errno == EINTR) {
        }
    }

done:
    for (int i = 0; i < 3; i++) {
        if (copies[i] >= 0) {
            close(copies[i]);
        }
    }
    if (have_actions) {
        posix_spawn_file_actions_destroy(&actions);
    }
    if (have_attr) {
        posix_spawnattr_destroy(&attr);
    }
    free(envp);
    free(dir);
    free(argv);
    return err != 0 ? -err : (jint) pid;
}

/* ---------------------------------------------------------------------------------------------
 * Binding.
 */

#define METHOD(name, signature, function) {(char *) (name), (char *) (signature), (void *) (function)}

static const JNINativeMethod METHODS[] = {
    METHOD("fork", "()I", Java_dev_jfork_jni_NativeCalls_fork),
    METHOD("getpid", "()I", Java_dev_jfork_jni_NativeCalls_getpid),
    METHOD("getppid", "()I", Java_dev_jfork_jni_NativeCalls_getppid),
    METHOD("_exit", "(I)V", Java_dev_jfork_jni_NativeCalls__1exit),
    METHOD("warmUpExit", "(I)V", Java_dev_jfork_jni_NativeCalls_warmUpExit),
    METHOD("waitpid", "(I[II)I", Java_dev_jfork_jni_NativeCalls_waitpid),
    METHOD("waitExitedNoReap", "(I)I", Java_dev_jfork_jni_NativeCalls_waitExitedNoReap),
    METHOD("kill", "(II)I", Java_dev_jfork_jni_NativeCalls_kill),
    METHOD("pipe2", "([I)I", Java_dev_jfork_jni_NativeCalls_pipe2),
    METHOD("read", "(I[BI)I", Java_dev_jfork_jni_NativeCalls_read),
    METHOD("write", "(I[BI)I", Java_dev_jfork_jni_NativeCalls_write),
    METHOD("close", "(I)I", Java_dev_jfork_jni_NativeCalls_close),
    METHOD("dup2", "(II)I", Java_dev_jfork_jni_NativeCalls_dup2),
    METHOD("open", "([BII)I", Java_dev_jfork_jni_NativeCalls_open),
    METHOD("execv", "([B[[B)I", Java_dev_jfork_jni_NativeCalls_execv),
    METHOD("execvp", "([B[[B)I", Java_dev_jfork_jni_NativeCalls_execvp),
    METHOD("alarm", "(I)I", Java_dev_jfork_jni_NativeCalls_alarm),
    METHOD("resetSignal", "(I)I", Java_dev_jfork_jni_NativeCalls_resetSignal),
    METHOD("setParentDeathSignal", "(I)I", Java_dev_jfork_jni_NativeCalls_setParentDeathSignal),
    METHOD("closeOnExecFrom", "(I)I", Java_dev_jfork_jni_NativeCalls_closeOnExecFrom),
    METHOD("pidfdOpen", "(I)I", Java_dev_jfork_jni_NativeCalls_pidfdOpen),
    METHOD("pidfdSendSignal", "(II)I", Java_dev_jfork_jni_NativeCalls_pidfdSendSignal),
    METHOD("signalIgnored", "(I)I", Java_dev_jfork_jni_NativeCalls_signalIgnored),
    METHOD("poll", "(III)I", Java_dev_jfork_jni_NativeCalls_poll),
    METHOD("madvise", "(JJI)I", Java_dev_jfork_jni_NativeCalls_madvise),
    METHOD("forkWriteAndExit", "(I[BII)I", Java_dev_jfork_jni_NativeCalls_forkWriteAndExit),
    METHOD("forkPrintPidAndExit", "(I[B[BII)I", Java_dev_jfork_jni_NativeCalls_forkPrintPidAndExit),
    METHOD("spawn", "([[BIII[B[[B)I", Java_dev_jfork_jni_NativeCalls_spawn),
};

/* childruntime.c: the VM thread started again in a child (dev.jfork.jni.ChildRuntimeCalls). */
jint jfork_register_child_runtime(JNIEnv *env);

JNIEXPORT jint JNICALL JNI_OnLoad(JavaVM *vm, void *reserved) {
    JNIEnv *env = NULL;
    if ((*vm)->GetEnv(vm, (void **) &env, JNI_VERSION_1_8) != JNI_OK) {
        return JNI_ERR;
    }
    /* From JNI_OnLoad, FindClass uses the class loader of the class that called System.load. */
    jclass cls = (*env)->FindClass(env, "dev/jfork/jni/NativeCalls");
    if (cls == NULL) {
        return JNI_ERR;
    }
    jint r = (*env)->RegisterNatives(env, cls, METHODS, (jint) (sizeof METHODS / sizeof METHODS[0]));
    (*env)->DeleteLocalRef(env, cls);
    if (r == JNI_OK) {
        r = jfork_register_child_runtime(env);
    }
    return r == JNI_OK ? JNI_VERSION_1_8 : JNI_ERR;
}
