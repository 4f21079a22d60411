// cshim: thin C for what Swift cannot import. Every function is a direct
// wrapper with errno preserved; policy lives in Swift.
#define _GNU_SOURCE
#include "cshim.h"
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <linux/close_range.h>
#include <seccomp.h>

static int fill_addr(struct sockaddr_un *sa, const char *path) {
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    size_t n = strlen(path);
    if (n >= sizeof sa->sun_path) { errno = ENAMETOOLONG; return -1; }
    memcpy(sa->sun_path, path, n);
    return 0;
}

static ssize_t send_common(int sock, struct sockaddr_un *to, const void *buf, size_t len,
                           const int *fds, int nfds) {
    if (nfds < 0 || nfds > PPP_MAX_FDS) { errno = EINVAL; return -1; }
    struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
    union { char buf[CMSG_SPACE(sizeof(int) * PPP_MAX_FDS)]; struct cmsghdr align; } ctl;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
    if (to) { msg.msg_name = to; msg.msg_namelen = sizeof *to; }
    if (nfds > 0) {
        memset(&ctl, 0, sizeof ctl);
        msg.msg_control = ctl.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    return sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
}

ssize_t ppp_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds) {
    return send_common(sock, NULL, buf, len, fds, nfds);
}

ssize_t ppp_sendto_unix(int sock, const char *path, const void *buf, size_t len,
                        const int *fds, int nfds) {
    struct sockaddr_un sa;
    if (fill_addr(&sa, path) < 0) return -1;
    return send_common(sock, &sa, buf, len, fds, nfds);
}

void ppp_recv_fds(int sock, void *buf, size_t len, int flags, struct ppp_recv_result *out) {
    memset(out, 0, sizeof *out);
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    union {
        char buf[CMSG_SPACE(sizeof(int) * PPP_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
        struct cmsghdr align;
    } ctl;
    struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
                          .msg_control = ctl.buf, .msg_controllen = sizeof ctl.buf };
    ssize_t n = recvmsg(sock, &msg, flags | MSG_CMSG_CLOEXEC);
    out->bytes = n;
    if (n < 0) return;
    out->msg_flags = msg.msg_flags;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_RIGHTS) {
            int count = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
            int *p = (int *)CMSG_DATA(c);
            for (int i = 0; i < count; i++) {
                if (out->nfds < PPP_MAX_FDS) out->fds[out->nfds++] = p[i];
                else close(p[i]);
            }
        } else if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof cr);
            out->have_cred = 1;
            out->pid = cr.pid; out->uid = cr.uid; out->gid = cr.gid;
        }
    }
}

int ppp_unix_bind(int sock, const char *path) {
    struct sockaddr_un sa;
    if (fill_addr(&sa, path) < 0) return -1;
    return bind(sock, (struct sockaddr *)&sa, sizeof sa);
}

int ppp_unix_connect(int sock, const char *path) {
    struct sockaddr_un sa;
    if (fill_addr(&sa, path) < 0) return -1;
    return connect(sock, (struct sockaddr *)&sa, sizeof sa);
}

int ppp_set_passcred(int sock) {
    int one = 1;
    return setsockopt(sock, SOL_SOCKET, SO_PASSCRED, &one, sizeof one);
}

int ppp_peer_cred(int sock, pid_t *pid, uid_t *uid, gid_t *gid) {
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) return -1;
    *pid = cr.pid; *uid = cr.uid; *gid = cr.gid;
    return 0;
}

int ppp_set_pdeathsig(int sig) { return prctl(PR_SET_PDEATHSIG, sig, 0, 0, 0); }
int ppp_set_no_new_privs(void) { return prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); }
int ppp_get_no_new_privs(void) { return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0); }
int ppp_set_child_subreaper(void) { return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); }
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
int ppp_pidfd_open(pid_t pid) { return (int)syscall(SYS_pidfd_open, pid, 0); }
int ppp_dup3(int oldfd, int newfd) { return (int)syscall(SYS_dup3, oldfd, newfd, 0); }
int ppp_pidfd_send_signal(int pidfd, int sig) { return (int)syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0); }
int ppp_tgkill(pid_t tgid, pid_t tid, int sig) { return (int)syscall(SYS_tgkill, tgid, tid, sig); }

static int kept(int cap, const int *keep, int nkeep) {
    for (int i = 0; i < nkeep; i++) if (keep[i] == cap) return 1;
    return 0;
}

int ppp_drop_privileges(uid_t uid, gid_t gid, const int *keep, int nkeep, const char **step) {
    // Bounding set first, while we still hold CAP_SETPCAP.
    for (int cap = 0; cap <= CAP_LAST_CAP; cap++) {
        if (kept(cap, keep, nkeep)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL) { *step = "PR_CAPBSET_DROP"; return -1; }
    }
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0) { *step = "PR_SET_KEEPCAPS 1"; return -1; }
    if (setgroups(1, &gid) < 0) { *step = "setgroups"; return -1; }
    if (setresgid(gid, gid, gid) < 0) { *step = "setresgid"; return -1; }
    if (setresuid(uid, uid, uid) < 0) { *step = "setresuid"; return -1; }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0) { *step = "PR_SET_KEEPCAPS 0"; return -1; }
    cap_t caps = cap_init();  // all clear
    if (!caps) { *step = "cap_init"; return -1; }
    if (nkeep > 0) {
        cap_value_t vals[64];
        int n = nkeep > 64 ? 64 : nkeep;
        for (int i = 0; i < n; i++) vals[i] = keep[i];
        if (cap_set_flag(caps, CAP_PERMITTED, n, vals, CAP_SET) < 0 ||
            cap_set_flag(caps, CAP_EFFECTIVE, n, vals, CAP_SET) < 0) {
            cap_free(caps); *step = "cap_set_flag"; return -1;
        }
    }
    int rc = cap_set_proc(caps);
    cap_free(caps);
    if (rc < 0) { *step = "cap_set_proc"; return -1; }
    // Regaining root must be impossible: check the drop really happened.
    if (uid != 0 && (setresuid(0, 0, 0) == 0 || geteuid() != uid)) { errno = EPERM; *step = "verify uid"; return -1; }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) { *step = "PR_SET_NO_NEW_PRIVS"; return -1; }
    return 0;
}

int ppp_syscall_known(const char *name) {
    return seccomp_syscall_resolve_name(name) != __NR_SCMP_ERROR;
}

int ppp_seccomp_allow_rules(const char *const *names, const int *ncond, int n,
                            const unsigned char *args, const unsigned long long *masks,
                            const unsigned long long *values, int mode, int *unknown) {
    uint32_t deflt = mode == 0 ? SCMP_ACT_KILL_PROCESS : mode == 1 ? SCMP_ACT_ERRNO(EPERM) : SCMP_ACT_LOG;
    scmp_filter_ctx ctx = seccomp_init(deflt);
    if (!ctx) return -ENOMEM;
    *unknown = 0;
    int k = 0;
    for (int i = 0; i < n; i++) {
        int nr = seccomp_syscall_resolve_name(names[i]);
        // An allowlist with a misspelt name would kill the daemon later, at
        // the first use of the call it meant: refuse it now, load nothing.
        if (nr == __NR_SCMP_ERROR) { *unknown = i + 1; seccomp_release(ctx); return -EINVAL; }
        struct scmp_arg_cmp cmp[6];
        if (ncond[i] < 0 || ncond[i] > 6) { seccomp_release(ctx); return -EINVAL; }
        for (int c = 0; c < ncond[i]; c++, k++) {
            if (args[k] > 5) { seccomp_release(ctx); return -EINVAL; }
            cmp[c] = (struct scmp_arg_cmp){ .arg = args[k], .op = SCMP_CMP_MASKED_EQ,
                                            .datum_a = masks[k], .datum_b = values[k] };
        }
        int rc = seccomp_rule_add_array(ctx, SCMP_ACT_ALLOW, nr, (unsigned)ncond[i], cmp);
        if (rc < 0 && rc != -EEXIST) { seccomp_release(ctx); return rc; }
    }
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
    if (rc == 0) rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc;
}

int ppp_wait_status(int status, int *code, int *sig) {
    if (WIFEXITED(status)) { *code = WEXITSTATUS(status); return 1; }
    if (WIFSIGNALED(status)) { *sig = WTERMSIG(status); return 2; }
    return 0;
}

void ppp_unblock_all_signals(void) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

pid_t ppp_spawn(const char *path, char *const argv[], char *const envp[],
                int in, int out, int err, const int *fds, int nfds, int pdeathsig) {
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0) return pid;
    // Child: only async-signal-safe calls from here on.
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
    ppp_unblock_all_signals();
    setsid();
    if (pdeathsig) prctl(PR_SET_PDEATHSIG, pdeathsig, 0, 0, 0);
    if (getppid() != parent) _exit(111);
    // Move every source above the targets first so no dup2 clobbers a source.
    int base = 3 + nfds + 3;
    int moved[PPP_MAX_FDS + 3];
    int src[PPP_MAX_FDS + 3] = { in, out, err };
    for (int i = 0; i < nfds && i < PPP_MAX_FDS; i++) src[3 + i] = fds[i];
    int total = 3 + (nfds > PPP_MAX_FDS ? PPP_MAX_FDS : nfds);
    for (int i = 0; i < total; i++) {
        moved[i] = fcntl(src[i], F_DUPFD_CLOEXEC, base);
        if (moved[i] < 0) _exit(127);
    }
    for (int i = 0; i < total; i++) {
        if (dup2(moved[i], i) < 0) _exit(127);  // dup2 clears FD_CLOEXEC
    }
    syscall(SYS_close_range, (unsigned)total, ~0U, 0);
    execve(path, argv, envp);
    _exit(127);
}

int ppp_epoll_ctl(int epfd, int op, int fd, uint32_t events) {
    struct epoll_event ev = { .events = events, .data.fd = fd };
    return epoll_ctl(epfd, op, fd, &ev);
}

int ppp_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms) {
    struct epoll_event evs[64];
    if (max > 64) max = 64;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    for (int i = 0; i < n; i++) { fds[i] = evs[i].data.fd; events[i] = evs[i].events; }
    return n;
}

int ppp_signalfd(const int *sigs, int n) {
    sigset_t set;
    sigemptyset(&set);
    for (int i = 0; i < n; i++) sigaddset(&set, sigs[i]);
    if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) return -1;
    return signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
}

int ppp_signalfd_read(int fd, int *pid) {
    struct signalfd_siginfo si;
    ssize_t n = read(fd, &si, sizeof si);
    if (n < 0) return errno == EAGAIN ? 0 : -1;
    if (n != sizeof si) { errno = EIO; return -1; }
    *pid = (int)si.ssi_pid;
    return (int)si.ssi_signo;
}

int ppp_memfd(const char *name) { return (int)syscall(SYS_memfd_create, name, 0U); }

int ppp_set_inherited(int fd, int inherited) {
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0) return -1;
    return fcntl(fd, F_SETFD, inherited ? (flags & ~FD_CLOEXEC) : (flags | FD_CLOEXEC));
}

int ppp_timerfd_create(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }

int ppp_timerfd_arm(int fd, uint64_t ns) {
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    its.it_value.tv_sec = (time_t)(ns / 1000000000ull);
    its.it_value.tv_nsec = (long)(ns % 1000000000ull);
    return timerfd_settime(fd, 0, &its, NULL);
}

uint64_t ppp_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int ppp_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
int ppp_pipe(int fds[2]) { return pipe2(fds, O_CLOEXEC | O_NONBLOCK); }

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/stat.h>

static int parse_hostport(const char *s, struct sockaddr_storage *ss, socklen_t *len) {
    char host[128];
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s) return -1;
    size_t hl = (size_t)(colon - s);
    if (s[0] == '[') {
        if (hl < 2 || s[hl - 1] != ']') return -1;
        s++; hl -= 2;
    }
    if (hl >= sizeof host) return -1;
    memcpy(host, s, hl);
    host[hl] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 0 || port > 65535 || end == colon + 1) return -1;
    memset(ss, 0, sizeof *ss);
    struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
    if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
        in4->sin_family = AF_INET; in4->sin_port = htons((uint16_t)port); *len = sizeof *in4; return 0;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6; in6->sin6_port = htons((uint16_t)port); *len = sizeof *in6; return 0;
    }
    return -1;
}

int ppp_udp_open(const char *local, const char *remote) {
    struct sockaddr_storage l, r;
    socklen_t ll, rl;
    if (parse_hostport(local, &l, &ll) < 0) { errno = EINVAL; return -1; }
    int has_remote = remote && remote[0];
    if (has_remote && (parse_hostport(remote, &r, &rl) < 0 || r.ss_family != l.ss_family)) { errno = EINVAL; return -1; }
    int fd = socket(l.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    if (bind(fd, (struct sockaddr *)&l, ll) < 0 || (has_remote && connect(fd, (struct sockaddr *)&r, rl) < 0)) {
        int e = errno; close(fd); errno = e; return -1;
    }
    return fd;
}

#include <netinet/tcp.h>
#include <stdio.h>

int ppp_tcp_listen(const char *local, int backlog) {
    struct sockaddr_storage l;
    socklen_t ll;
    if (parse_hostport(local, &l, &ll) < 0) { errno = EINVAL; return -1; }
    int fd = socket(l.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int one = 1;
    /* A restarted router must rebind while old connections sit in TIME_WAIT. */
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (struct sockaddr *)&l, ll) < 0 || listen(fd, backlog) < 0) {
        int e = errno; close(fd); errno = e; return -1;
    }
    return fd;
}

int ppp_tcp_connect(const char *remote) {
    struct sockaddr_storage r;
    socklen_t rl;
    if (parse_hostport(remote, &r, &rl) < 0) { errno = EINVAL; return -1; }
    int fd = socket(r.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return -1;
    int one = 1;
    /* PPP frames are small and latency matters (echoes, NCP exchanges). */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (connect(fd, (struct sockaddr *)&r, rl) < 0 && errno != EINPROGRESS) {
        int e = errno; close(fd); errno = e; return -1;
    }
    return fd;
}

int ppp_tcp_connected(int fd) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

int ppp_tcp_accept(int fd, char *peer, unsigned long peerlen) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    int c = accept4(fd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (c < 0) return -1;
    int one = 1;
    setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (peer && peerlen > 0) {
        char host[INET6_ADDRSTRLEN] = "?";
        unsigned port = 0;
        if (ss.ss_family == AF_INET) {
            struct sockaddr_in *in4 = (struct sockaddr_in *)&ss;
            inet_ntop(AF_INET, &in4->sin_addr, host, sizeof host);
            port = ntohs(in4->sin_port);
            snprintf(peer, peerlen, "%s:%u", host, port);
        } else if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
            inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof host);
            port = ntohs(in6->sin6_port);
            snprintf(peer, peerlen, "[%s]:%u", host, port);
        } else {
            snprintf(peer, peerlen, "?");
        }
    }
    return c;
}

uint64_t ppp_inode(int fd) {
    struct stat st;
    return fstat(fd, &st) == 0 ? (uint64_t)st.st_ino : 0;
}

#include <sys/random.h>

long ppp_getrandom(void *buf, unsigned long len) {
    return (long)getrandom(buf, len, 0);
}

int ppp_ioctl_value(int fd, unsigned long request, unsigned long value) {
    return ioctl(fd, request, value);
}
