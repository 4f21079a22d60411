// cshim: the few things Swift cannot import from glibc, libcap and libseccomp:
// CMSG_* macros (SCM_RIGHTS, SCM_CREDENTIALS), sockaddr_un handling, variadic
// prctl, setresuid/setresgid in the documented order, seccomp rule building,
// wait-status macros, and fork/exec with descriptors placed at fixed numbers.
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
// AF_PACKET sockets for PPPoE, and batched receive, live in their own headers.
#include "packet.h"
#include "batch.h"
#include "udpbatch.h"

/// The most descriptors one message may carry; a message with more is truncated
/// by the kernel (MSG_CTRUNC), which the receiver treats as a violation.
#define PPP_MAX_FDS 16

/// sendmsg(2) of one datagram with optional SCM_RIGHTS descriptors.
/// Returns bytes sent or -1 with errno set.
ssize_t ppp_send_fds(int sock, const void *buf, size_t len, const int *fds, int nfds);

/// sendmsg(2) to a named AF_UNIX address (unconnected SOCK_DGRAM).
ssize_t ppp_sendto_unix(int sock, const char *path, const void *buf, size_t len,
                        const int *fds, int nfds);

/// The result of one recvmsg(2): descriptors are installed O_CLOEXEC.
struct ppp_recv_result {
    ssize_t bytes;       ///< bytes received, or -1 with errno set
    int msg_flags;       ///< MSG_TRUNC / MSG_CTRUNC as the kernel reported them
    int nfds;            ///< descriptors stored in fds[]
    int fds[PPP_MAX_FDS];
    int have_cred;       ///< 1 when SCM_CREDENTIALS was attached
    pid_t pid;
    uid_t uid;
    gid_t gid;
};

/// recvmsg(2) with room for PPP_MAX_FDS descriptors and one ucred.
/// `flags` is e.g. MSG_DONTWAIT. MSG_CMSG_CLOEXEC is always added.
void ppp_recv_fds(int sock, void *buf, size_t len, int flags, struct ppp_recv_result *out);

int ppp_unix_bind(int sock, const char *path);
int ppp_unix_connect(int sock, const char *path);
int ppp_set_passcred(int sock);
int ppp_peer_cred(int sock, pid_t *pid, uid_t *uid, gid_t *gid);

/// prctl(2) wrappers (prctl is variadic and does not import).
int ppp_set_pdeathsig(int sig);
/// tgkill(2) (glibc declares it only under _GNU_SOURCE): a signal to one
/// thread of a thread group; what abort(3) uses, and what seccomp narrows.
int ppp_tgkill(pid_t tgid, pid_t tid, int sig);
int ppp_set_no_new_privs(void);
int ppp_get_no_new_privs(void);
/// PR_SET_CHILD_SUBREAPER: orphans among our descendants come to us, not init.
int ppp_set_child_subreaper(void);
/// pidfd_open(2) and pidfd_send_signal(2) (no glibc wrapper before 2.36):
/// a descriptor naming one process, immune to pid reuse. -1 and errno.
int ppp_pidfd_open(pid_t pid);
int ppp_pidfd_send_signal(int pidfd, int sig);
/// dup3(2) with no flags (Glibc does not import it without _GNU_SOURCE; the
/// dup3 syscall, not dup2, is in the daemons' seccomp allowlist).
int ppp_dup3(int oldfd, int newfd);

/// The privilege drop of STYLE.md, in its order: bounding set, KEEPCAPS 1,
/// setgroups, setresgid, setresuid, KEEPCAPS 0, cap_set_proc(keep), NO_NEW_PRIVS.
/// Returns 0, or -1 with a static description of the failed step in *step.
int ppp_drop_privileges(uid_t uid, gid_t gid, const int *keep, int nkeep, const char **step);

/// Seccomp allowlist. mode: 0 kill the process, 1 fail with EPERM, 2 log only.
/// Names that this kernel/libseccomp does not know are counted in *unknown.
/// Loads an allowlist; fails with -EINVAL before loading when names[*unknown - 1]
/// is not a syscall of this architecture. Returns 0 or -errno from libseccomp.
/// Rule i allows names[i] when its ncond[i] conditions (the next ones in
/// args/masks/values, in order) all hold: (argument args[k] & masks[k]) == values[k].
int ppp_seccomp_allow_rules(const char *const *names, const int *ncond, int n,
                            const unsigned char *args, const unsigned long long *masks,
                            const unsigned long long *values, int mode, int *unknown);
/// 1 when libseccomp knows the name on this architecture.
int ppp_syscall_known(const char *name);

/// Decodes a wait(2) status: returns 1 if exited (code set), 2 if killed by a
/// signal (sig set), 0 otherwise (stopped/continued).
int ppp_wait_status(int status, int *code, int *sig);

/// fork+exec: the child gets stdin/stdout/stderr from in/out/err, fds[i] at
/// 3+i, everything else closed, an empty signal mask and default dispositions,
/// its own session, and `pdeathsig` when the parent dies. Returns the pid or -1.
pid_t ppp_spawn(const char *path, char *const argv[], char *const envp[],
                int in, int out, int err, const int *fds, int nfds, int pdeathsig);

/// epoll without the packed struct: one fd per registration, data = fd.
int ppp_epoll_ctl(int epfd, int op, int fd, uint32_t events);
int ppp_epoll_wait(int epfd, int *fds, uint32_t *events, int max, int timeout_ms);

/// signalfd over a set of signals (also blocks them). Returns fd or -1.
int ppp_signalfd(const int *sigs, int n);
/// Reads one signalfd_siginfo; returns the signal number, 0 on EAGAIN, -1 on error.
int ppp_signalfd_read(int fd, int *pid);
/// Unblocks every signal (for the child side and tests).
void ppp_unblock_all_signals(void);

/// timerfd: arm one-shot in nanoseconds from now (0 disarms).
int ppp_timerfd_create(void);
/// memfd_create(name, 0): an anonymous file that survives execve (no
/// MFD_CLOEXEC), for pppinit's state across its own re-execution (issue 20).
int ppp_memfd(const char *name);
/// fcntl(F_SETFD): inherit (1) or close (0) the descriptor across execve.
int ppp_set_inherited(int fd, int inherited);
int ppp_timerfd_arm(int fd, uint64_t ns);
uint64_t ppp_monotonic_ns(void);

/// epoll constants (glibc's sys/epoll.h is not part of Swift's Glibc module).
enum {
    PPP_EPOLLIN = 0x001, PPP_EPOLLOUT = 0x004, PPP_EPOLLERR = 0x008,
    PPP_EPOLLHUP = 0x010, PPP_EPOLLRDHUP = 0x2000,
    PPP_EPOLL_CTL_ADD = 1, PPP_EPOLL_CTL_DEL = 2, PPP_EPOLL_CTL_MOD = 3,
};
int ppp_epoll_create(void);
/// pipe2(O_CLOEXEC | O_NONBLOCK).
int ppp_pipe(int fds[2]);

/// A UDP socket bound to `local` ("a.b.c.d:port" or "[v6]:port") and, when
/// `remote` is non-empty, connected to it. Returns the fd or -1 with errno
/// (EINVAL for an unparsable address).
int ppp_udp_open(const char *local, const char *remote);
/// A TCP socket listening on "host:port" (SO_REUSEADDR, backlog `backlog`),
/// non-blocking, close-on-exec. Returns the fd or -1 with errno.
int ppp_tcp_listen(const char *local, int backlog);
/// A non-blocking TCP connect to "host:port" (TCP_NODELAY set). Returns the
/// fd with the connect under way (finish with ppp_tcp_connected) or -1.
int ppp_tcp_connect(const char *remote);
/// After a non-blocking connect became writable: 0 when connected, else the
/// errno of the failed connect (SO_ERROR).
int ppp_tcp_connected(int fd);
/// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC and TCP_NODELAY on the new socket;
/// writes the peer as "addr:port" ("[addr]:port" for IPv6) into `peer`.
int ppp_tcp_accept(int fd, char *peer, unsigned long peerlen);
/// st_ino of an open descriptor (to prove a socket survived a restart).
uint64_t ppp_inode(int fd);
/// getrandom(2) (sys/random.h does not come through Glibc's module map).
/// Returns the number of bytes filled or -1 with errno.
long ppp_getrandom(void *buf, unsigned long len);

/// ioctl(2) whose third argument is an integer passed by value (TUNSETOFFLOAD
/// takes its flags so): the variadic call does not import into Swift.
int ppp_ioctl_value(int fd, unsigned long request, unsigned long value);
