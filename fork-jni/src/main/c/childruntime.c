/*
 * libjfork.so, part 2: HotSpot's VM thread started again in a forked child (the opt-in child runtime,
 * -Dfork.childRuntime=vm; see dev.jfork.ChildRuntimeReport and dev.jfork.internal.vm.VmRevival).
 *
 * A forked child has only the thread that forked. The VM thread, which runs every collection,
 * deoptimisation, handshake and safepoint, is gone, so the child's first need of it waits for ever.
 * In the child, at an idle-moment fork (no HotSpot mutex held, the VM thread idle in
 * VMThread::wait_for_operation), this file:
 *   1. renews the pthread mutex and condition variable of every HotSpot Mutex whose owner word is
 *      NULL (the dead threads' waits are still recorded in the condvars: a broadcast would wait for
 *      them for ever, measured);
 *   2. starts a pthread that runs, on the parent's VMThread object (VMThread::_vm_thread),
 *      Thread::initialize_thread_current(), Thread::record_stack_base_and_size(), VMThread::loop().
 * Java finds the addresses (libjvm.so's .symtab) and checks the Mutex layout; this file checks again what
 * it relies on before it writes anything, reading every Mutex through process_vm_readv on its own
 * process (a wrong address fails, it does not crash), and writes nothing when a check fails. With
 * start == 0 it only checks: that is how the parent asks, and the parent's memory is never written.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <jni.h>

/* Result codes: (check << 16) | detail; the same numbers as dev.jfork.spi.VmThreadRevival. */
#define VMT_OK 0
#define VMT_BAD_ARGUMENTS 1
#define VMT_UNREADABLE 2
#define VMT_MUTEX_KIND 3
#define VMT_COND_CLOCK 4
#define VMT_NO_VM_THREAD 5
#define VMT_THREAD_FAILED 6
#define VMT_ATTRIBUTES 7
#define VMT_BUSY 9
#define VMT_NOT_SEEN_IDLE 10
#define VMT_THREAD_UNSAFE 11
#define CODE(check, detail) ((jint) (((check) << 16) | ((detail) & 0xffff)))

/* layout[]: what Java passes, in this order, then (address, 4 or 8) pairs of words that must be 0 */
enum {
    L_MUTEX_OFFSET, L_COND_OFFSET, L_VM_THREAD_STATIC, L_INIT_CURRENT, L_RECORD_STACK, L_LOOP, L_IDLE_COND,
    /* from gHotSpotVMStructs: the JavaThreads and their states */
    L_THREAD_LIST, L_LIST_LENGTH, L_LIST_THREADS, L_THREAD_STATE, L_ANCHOR_SP, L_ANCHOR_PC, L_IN_NATIVE, L_BLOCKED,
    /* Thread::_osthread, OSThread::_pthread_id: which JavaThread is the forking one */
    L_OSTHREAD, L_PTHREAD_ID,
    L_COUNT
};
#define MAX_JAVA_THREADS 65536
#define MAX_LAYOUT (L_COUNT + 2 * 16)

#define MAX_MUTEXES 1024
#define VM_THREAD_STACK (2 * 1024 * 1024)
#define STACK_GUARD (64 * 1024)

typedef void (*member_fn)(void *self);

/* What the new thread needs; written once, before pthread_create, in the child only. */
static struct {
    void *vm_thread;
    member_fn initialize_thread_current;
    member_fn record_stack_base_and_size;
    member_fn loop;
} revived;

/* The new thread's tid, once it runs. */
static volatile pid_t revived_tid;

static void *vm_thread_main(void *unused) {
    (void) unused;
    prctl(PR_SET_NAME, (unsigned long) "VM Thread", 0, 0, 0);
    revived_tid = (pid_t) syscall(SYS_gettid);
    revived.initialize_thread_current(revived.vm_thread);
    revived.record_stack_base_and_size(revived.vm_thread);
    revived.loop(revived.vm_thread); /* returns only when the VM terminates, which a child never asks */
    return NULL;
}

/* Copies len bytes at address of this process into out; 0 or -1 (not mapped). */
static int read_self(unsigned long address, void *out, size_t len) {
    struct iovec local = {out, len};
    struct iovec remote = {(void *) address, len};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == (ssize_t) len ? 0 : -1;
}

/* The bits in which a and b differ. */
static void differing(const unsigned char *a, const unsigned char *b, unsigned char *mask, size_t len) {
    for (size_t i = 0; i < len; i++) {
        mask[i] = a[i] ^ b[i];
    }
}

static int same_under(const unsigned char *x, const unsigned char *want, const unsigned char *mask, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if ((x[i] & mask[i]) != (want[i] & mask[i])) {
            return 0;
        }
    }
    return 1;
}

/*
 * HotSpot's attributes (os_posix.cpp: PTHREAD_MUTEX_NORMAL; the condvar on CLOCK_MONOTONIC), and, from
 * a second attribute of each kind, the bits of the glibc object that record them: a live Mutex's
 * bits must be the same, or its layout or attributes are not the ones assumed here.
 */
static int make_attributes(pthread_mutexattr_t *mattr, pthread_condattr_t *cattr, unsigned char *mutex_want,
                           unsigned char *mutex_mask, unsigned char *cond_want, unsigned char *cond_mask) {
    pthread_mutexattr_t other_m;
    pthread_condattr_t other_c;
    pthread_mutex_t m1, m2;
    pthread_cond_t c1, c2;
    memset(&m1, 0, sizeof m1);
    memset(&m2, 0, sizeof m2);
    memset(&c1, 0, sizeof c1);
    memset(&c2, 0, sizeof c2);
    if (pthread_mutexattr_init(mattr) || pthread_mutexattr_settype(mattr, PTHREAD_MUTEX_NORMAL)
            || pthread_condattr_init(cattr) || pthread_condattr_setclock(cattr, CLOCK_MONOTONIC)
            || pthread_mutexattr_init(&other_m) || pthread_mutexattr_settype(&other_m, PTHREAD_MUTEX_RECURSIVE)
            || pthread_condattr_init(&other_c) || pthread_condattr_setclock(&other_c, CLOCK_REALTIME)
            || pthread_mutex_init(&m1, mattr) || pthread_mutex_init(&m2, &other_m)
            || pthread_cond_init(&c1, cattr) || pthread_cond_init(&c2, &other_c)) {
        return -1;
    }
    memcpy(mutex_want, &m1, sizeof m1);
    memcpy(cond_want, &c1, sizeof c1);
    differing((unsigned char *) &m1, (unsigned char *) &m2, mutex_mask, sizeof m1);
    differing((unsigned char *) &c1, (unsigned char *) &c2, cond_mask, sizeof c1);
    pthread_mutex_destroy(&m1);
    pthread_mutex_destroy(&m2);
    pthread_cond_destroy(&c1);
    pthread_cond_destroy(&c2);
    pthread_mutexattr_destroy(&other_m);
    pthread_condattr_destroy(&other_c);
    return 0;
}

/*
 * Whether thread tid sleeps in a futex wait on the condvar at cond (VMOperation_lock's): the VM thread
 * idle in VMThread::wait_for_operation. Its first act there is to clear the queued operation, so an
 * operation that the child asked for before it got there would be lost: the child waits until it is.
 */
static int idle_in_wait(pid_t tid, unsigned long cond) {
    char path[64];
    char line[256];
    snprintf(path, sizeof path, "/proc/self/task/%d/syscall", (int) tid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, line, sizeof line - 1);
    close(fd);
    if (n <= 0) {
        return 0;
    }
    line[n] = 0;
    char *end;
    long number = strtol(line, &end, 10);
    if (number != SYS_futex || *end != ' ') {
        return 0;
    }
    unsigned long address = strtoul(end + 1, NULL, 16);
    return address >= cond && address < cond + sizeof(pthread_cond_t);
}

/* Whether the JavaThread at thread is the calling one: its OSThread's pthread_t is ours (after a fork too). */
static int is_self(const jlong *layout, unsigned long thread) {
    unsigned long osthread = 0;
    pthread_t id = 0;
    return read_self(thread + (unsigned long) layout[L_OSTHREAD], &osthread, sizeof osthread) == 0 && osthread != 0
        && read_self(osthread + (unsigned long) layout[L_PTHREAD_ID], &id, sizeof id) == 0
        && pthread_equal(id, pthread_self());
}

/*
 * Whether every JavaThread of the list is where a handshake or a safepoint may act for it (HotSpot's own
 * test, HandshakeState::possibly_can_process_handshake): blocked, or in native with no Java frame or a
 * walkable one. A thread of the parent caught at the fork in Java or VM code (one that was waking up, say)
 * would never reach a safepoint here, and the child's first collection or deoptimisation would wait for it
 * for ever (seen: the VM thread spinning in VM_HandshakeAllThreads::doit). 0 when all are; otherwise
 * CODE(VMT_THREAD_UNSAFE, index) or CODE(VMT_UNREADABLE, ...).
 */
static jint java_threads_safe(const jlong *layout) {
    unsigned long list = 0;
    unsigned int length = 0;
    unsigned long threads = 0;
    if (read_self((unsigned long) layout[L_THREAD_LIST], &list, sizeof list) != 0 || list == 0
            || read_self(list + (unsigned long) layout[L_LIST_LENGTH], &length, sizeof length) != 0
            || read_self(list + (unsigned long) layout[L_LIST_THREADS], &threads, sizeof threads) != 0
            || length > MAX_JAVA_THREADS || (length > 0 && threads == 0)) {
        return CODE(VMT_UNREADABLE, 0x7fff);
    }
    unsigned int forking = 0;
    for (unsigned int i = 0; i < length; i++) {
        unsigned long thread = 0;
        int state = 0;
        if (read_self(threads + i * sizeof(void *), &thread, sizeof thread) != 0 || thread == 0
                || read_self(thread + (unsigned long) layout[L_THREAD_STATE], &state, sizeof state) != 0) {
            return CODE(VMT_UNREADABLE, 0x7ffe);
        }
        forking += (unsigned int) is_self(layout, thread);
        if (state == (int) layout[L_BLOCKED]) {
            continue;
        }
        if (state == (int) layout[L_IN_NATIVE]) {
            unsigned long sp = 0, pc = 0;
            if (read_self(thread + (unsigned long) layout[L_ANCHOR_SP], &sp, sizeof sp) != 0
                    || read_self(thread + (unsigned long) layout[L_ANCHOR_PC], &pc, sizeof pc) != 0) {
                return CODE(VMT_UNREADABLE, 0x7ffd);
            }
            if (sp == 0 || pc != 0) {
                continue;
            }
        }
        return CODE(VMT_THREAD_UNSAFE, i);
    }
    /* exactly one of them is the forking thread, whose frames are kept (forget_dead_frames) */
    return forking == 1 ? VMT_OK : CODE(VMT_THREAD_UNSAFE, 0xffff);
}

/*
 * In the child, before the VM thread starts: every JavaThread but the forking one is dead, and its frames
 * are forgotten (its anchor's last Java stack pointer set to 0), so that no collection or deoptimisation
 * walks them. glibc gives a thread started in the child a dead thread's stack from its cache (seen: a
 * Thread.start in a revived child landed on the dead "jfork-reaper-1"'s, and the next collection crashed
 * in MarkSweep::FollowRootClosure::do_oop on the frames it had overwritten). The list was checked before.
 */
static void forget_dead_frames(const jlong *layout) {
    unsigned long list = 0, threads = 0;
    unsigned int length = 0;
    if (read_self((unsigned long) layout[L_THREAD_LIST], &list, sizeof list) != 0 || list == 0
            || read_self(list + (unsigned long) layout[L_LIST_LENGTH], &length, sizeof length) != 0
            || read_self(list + (unsigned long) layout[L_LIST_THREADS], &threads, sizeof threads) != 0) {
        return;
    }
    for (unsigned int i = 0; i < length && i < MAX_JAVA_THREADS; i++) {
        unsigned long thread = 0;
        if (read_self(threads + i * sizeof(void *), &thread, sizeof thread) == 0 && thread != 0
                && !is_self(layout, thread)) {
            *(volatile unsigned long *) (thread + (unsigned long) layout[L_ANCHOR_SP]) = 0;
        }
    }
}

/* Waits up to 2 s for the new VM thread to be idle in its wait; 1 when it is. */
static int await_idle(unsigned long cond) {
    struct timespec pause = {0, 100 * 1000};
    for (int i = 0; i < 20000; i++) {
        pid_t tid = revived_tid;
        if (tid != 0 && idle_in_wait(tid, cond)) {
            return 1;
        }
        nanosleep(&pause, NULL);
    }
    return 0;
}

static jint start_vm_thread(JNIEnv *env, jclass cls, jlongArray jmutexes, jlongArray jlayout, jboolean start) {
    (void) cls;
    jlong layout[MAX_LAYOUT];
    jsize count = (*env)->GetArrayLength(env, jmutexes);
    jsize words = (*env)->GetArrayLength(env, jlayout);
    if (words < L_COUNT || words > MAX_LAYOUT || (words - L_COUNT) % 2 != 0 || count < 1 || count > MAX_MUTEXES) {
        return CODE(VMT_BAD_ARGUMENTS, 0);
    }
    (*env)->GetLongArrayRegion(env, jlayout, 0, words, layout);
    jlong mutexes[MAX_MUTEXES];
    (*env)->GetLongArrayRegion(env, jmutexes, 0, count, mutexes);
    size_t mutex_at = (size_t) layout[L_MUTEX_OFFSET];
    size_t cond_at = (size_t) layout[L_COND_OFFSET];
    if (mutex_at < sizeof(void *) || cond_at < mutex_at + sizeof(pthread_mutex_t) || cond_at > 256
            || layout[L_INIT_CURRENT] == 0 || layout[L_RECORD_STACK] == 0 || layout[L_LOOP] == 0) {
        return CODE(VMT_BAD_ARGUMENTS, 1);
    }
    pthread_mutexattr_t mattr;
    pthread_condattr_t cattr;
    unsigned char mutex_want[sizeof(pthread_mutex_t)], mutex_mask[sizeof(pthread_mutex_t)];
    unsigned char cond_want[sizeof(pthread_cond_t)], cond_mask[sizeof(pthread_cond_t)];
    if (make_attributes(&mattr, &cattr, mutex_want, mutex_mask, cond_want, cond_mask) != 0) {
        return CODE(VMT_ATTRIBUTES, 0);
    }
    /* pass 1: read and check everything; nothing is written */
    unsigned char copy[256 + sizeof(pthread_cond_t)];
    size_t span = cond_at + sizeof(pthread_cond_t);
    for (jsize i = 0; i < count; i++) {
        if (mutexes[i] == 0 || (mutexes[i] & 7) != 0 || read_self((unsigned long) mutexes[i], copy, span) != 0) {
            return CODE(VMT_UNREADABLE, i);
        }
        void *owner;
        memcpy(&owner, copy, sizeof owner);
        if (owner != NULL) {
            continue; /* held at the fork: left as it is (the child would wait for it in any case) */
        }
        if (!same_under(copy + mutex_at, mutex_want, mutex_mask, sizeof(pthread_mutex_t))) {
            return CODE(VMT_MUTEX_KIND, i);
        }
        if (!same_under(copy + cond_at, cond_want, cond_mask, sizeof(pthread_cond_t))) {
            return CODE(VMT_COND_CLOCK, i);
        }
    }
    /* the VM thread idle at the fork: no operation current or queued, no safepoint */
    for (jsize w = L_COUNT; w < words; w += 2) {
        unsigned long long word = 0;
        if ((layout[w + 1] != 4 && layout[w + 1] != 8) || layout[w] == 0) {
            return CODE(VMT_BAD_ARGUMENTS, w);
        }
        if (read_self((unsigned long) layout[w], &word, (size_t) layout[w + 1]) != 0) {
            return CODE(VMT_UNREADABLE, 0x8000 | w);
        }
        if (word != 0) {
            return CODE(VMT_BUSY, (w - L_COUNT) / 2);
        }
    }
    void *vm_thread = NULL;
    if (layout[L_VM_THREAD_STATIC] == 0
            || read_self((unsigned long) layout[L_VM_THREAD_STATIC], &vm_thread, sizeof vm_thread) != 0
            || vm_thread == NULL) {
        return CODE(VMT_NO_VM_THREAD, 0);
    }
    /* the parent's own threads run: their states are looked at in a child only */
    jint threads_safe = start ? java_threads_safe(layout) : VMT_OK;
    if (!start || threads_safe != VMT_OK) {
        pthread_mutexattr_destroy(&mattr);
        pthread_condattr_destroy(&cattr);
        return threads_safe;
    }
    /* pass 2, in the child only: renew the free ones, then start the thread */
    for (jsize i = 0; i < count; i++) {
        char *m = (char *) (intptr_t) mutexes[i];
        if (*(void *volatile *) m != NULL) {
            continue;
        }
        pthread_mutex_init((pthread_mutex_t *) (m + mutex_at), &mattr);
        pthread_cond_init((pthread_cond_t *) (m + cond_at), &cattr);
    }
    pthread_mutexattr_destroy(&mattr);
    pthread_condattr_destroy(&cattr);
    forget_dead_frames(layout);
    revived.vm_thread = vm_thread;
    revived.initialize_thread_current = (member_fn) (intptr_t) layout[L_INIT_CURRENT];
    revived.record_stack_base_and_size = (member_fn) (intptr_t) layout[L_RECORD_STACK];
    revived.loop = (member_fn) (intptr_t) layout[L_LOOP];
    /*
     * A stack of its own, newly mapped: after a fork glibc keeps the dead threads' stacks as its cache,
     * and a thread it started on one (seen: JDK 25's 2 MB "VirtualThread-unblocker") would write over
     * frames that a collection then walks, since the dead JavaThreads are still in HotSpot's list.
     */
    char *stack = mmap(NULL, VM_THREAD_STACK + STACK_GUARD, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (stack == MAP_FAILED) {
        return CODE(VMT_THREAD_FAILED, errno);
    }
    if (mprotect(stack, STACK_GUARD, PROT_NONE) != 0) {
        return CODE(VMT_THREAD_FAILED, errno);
    }
    pthread_attr_t attr;
    pthread_t thread;
    int e = pthread_attr_init(&attr);
    if (e == 0) {
        e = pthread_attr_setstack(&attr, stack + STACK_GUARD, VM_THREAD_STACK);
    }
    if (e == 0) {
        e = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    }
    if (e == 0) {
        e = pthread_create(&thread, &attr, vm_thread_main, NULL);
    }
    pthread_attr_destroy(&attr);
    if (e != 0) {
        return CODE(VMT_THREAD_FAILED, e);
    }
    if (layout[L_IDLE_COND] != 0 && !await_idle((unsigned long) layout[L_IDLE_COND])) {
        return CODE(VMT_NOT_SEEN_IDLE, 0);
    }
    return VMT_OK;
}

static const JNINativeMethod METHODS[] = {
    {"startVmThread", "([J[JZ)I", (void *) start_vm_thread},
};

/* Called by JNI_OnLoad (jfork.c): binds dev.jfork.jni.ChildRuntimeCalls eagerly, as NativeCalls is. */
jint jfork_register_child_runtime(JNIEnv *env) {
    jclass cls = (*env)->FindClass(env, "dev/jfork/jni/ChildRuntimeCalls");
    if (cls == NULL) {
        return JNI_ERR;
    }
    jint r = (*env)->RegisterNatives(env, cls, METHODS, (jint) (sizeof METHODS / sizeof METHODS[0]));
    (*env)->DeleteLocalRef(env, cls);
    return r;
}
