// The C reference of scripts/bench-pppoe.sh (issue 21): the same data path
// as one PPPoE session of ppprouter, in plain C with no protocol work, so the
// session's figures can be read against what this box does with the same
// hops. Client side, two processes like ncpd and linkd: TUN -> "ncpd" ->
// Unix datagram -> "linkd" -> AF_PACKET (Ethernet + PPPoE session header +
// PPP protocol 0x0021) and back. AC side, one process: AF_PACKET <-> TUN.
// No discovery, LCP or IPCP: the session id and MACs are given. With a batch
// of 1 every packet costs its own syscalls (the "naive" stand-in); with a
// batch of N the Unix and packet sockets move up to N per recvmmsg/sendmmsg
// (TUN reads stay one per packet: a TUN has no batch read).
//   pppoe-ref client|ac IFNAME TUNNAME PEER-MAC SESSION-ID BATCH
// The TUN unit is created down and without addresses: the caller sets them.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAXB 64
#define SLOT 2048
#define HDR 22 /* Ethernet 14 + PPPoE 6 + PPP protocol 2 */

static uint8_t peer[6], self[6];
static uint16_t sid;
static int ifindex, batch;

static void die(const char *what) { perror(what); exit(1); }

static int tun_open(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) die("/dev/net/tun");
    struct ifreq ifr = {0};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");
    return fd;
}

static int packet_open(const char *ifname) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_PPP_SES));
    if (fd < 0) die("AF_PACKET");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) die("SIOCGIFINDEX");
    ifindex = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) die("SIOCGIFHWADDR");
    memcpy(self, ifr.ifr_hwaddr.sa_data, 6);
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_PPP_SES), .sll_ifindex = ifindex};
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind AF_PACKET");
    int big = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
    return fd;
}

// Slots of one direction: up to MAXB frames, HDR octets of room in front.
struct slots {
    uint8_t buf[MAXB][SLOT];
    struct mmsghdr msg[MAXB];
    struct iovec iov[MAXB];
};

static void slots_init(struct slots *s, size_t offset) {
    for (int i = 0; i < MAXB; i++) {
        s->iov[i].iov_base = s->buf[i] + offset;
        s->iov[i].iov_len = SLOT - offset;
        memset(&s->msg[i], 0, sizeof s->msg[i]);
        s->msg[i].msg_hdr.msg_iov = &s->iov[i];
        s->msg[i].msg_hdr.msg_iovlen = 1;
    }
}

static void frame_header(uint8_t *f, size_t ip) {
    memcpy(f, peer, 6);
    memcpy(f + 6, self, 6);
    f[12] = 0x88; f[13] = 0x64;                 // RFC 2516 session stage
    f[14] = 0x11; f[15] = 0;                    // ver 1, type 1, code 0
    f[16] = sid >> 8; f[17] = sid & 0xff;
    uint16_t len = (uint16_t)(ip + 2);
    f[18] = len >> 8; f[19] = len & 0xff;
    f[20] = 0x00; f[21] = 0x21;                 // PPP protocol IPv4
}

// A received Ethernet frame -> the IP packet in it, or NULL.
static uint8_t *frame_payload(uint8_t *f, ssize_t n, size_t *len) {
    if (n < HDR || f[12] != 0x88 || f[13] != 0x64 || f[14] != 0x11 || f[15] != 0) return NULL;
    if (((f[16] << 8) | f[17]) != sid || f[20] != 0x00 || f[21] != 0x21) return NULL;
    size_t l = (size_t)((f[18] << 8) | f[19]);
    if (l < 2 || l - 2 > (size_t)n - HDR) return NULL;
    *len = l - 2;
    return f + HDR;
}

// from -> to, each of {read,write} one packet per call or batched.
static ssize_t recv_batch(int fd, struct slots *s, int n) {
    if (n == 1) {
        ssize_t g = recv(fd, s->iov[0].iov_base, s->iov[0].iov_len, MSG_DONTWAIT);
        if (g < 0) return errno == EAGAIN ? 0 : -1;
        s->msg[0].msg_len = (unsigned)g;
        return 1;
    }
    int g = recvmmsg(fd, s->msg, n, MSG_DONTWAIT, NULL);
    if (g < 0) return errno == EAGAIN ? 0 : -1;
    return g;
}

static void send_batch(int fd, struct mmsghdr *m, int n) {
    if (n == 0) return;
    if (batch == 1) {
        for (int i = 0; i < n; i++) (void)sendmsg(fd, &m[i].msg_hdr, 0);
        return;
    }
    int done = 0;
    while (done < n) {
        int s = sendmmsg(fd, m + done, n - done, 0);
        if (s <= 0) break;
        done += s;
    }
}

// Client "ncpd": TUN <-> Unix datagram.
static void run_ncpd(int tun, int unix_fd) {
    static struct slots up, down;
    slots_init(&up, 0);
    slots_init(&down, 0);
    fcntl(tun, F_SETFL, O_NONBLOCK);
    struct pollfd p[2] = {{.fd = tun, .events = POLLIN}, {.fd = unix_fd, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR) die("poll");
        if (p[0].revents & POLLIN) {
            int n = 0;
            for (; n < batch; n++) {
                ssize_t g = read(tun, up.buf[n], SLOT);
                if (g <= 0) break;
                up.iov[n].iov_len = (size_t)g;
            }
            send_batch(unix_fd, up.msg, n);
            for (int i = 0; i < n; i++) up.iov[i].iov_len = SLOT;
        }
        if (p[1].revents & POLLIN) {
            ssize_t g = recv_batch(unix_fd, &down, batch);
            if (g < 0) exit(0);
            for (int i = 0; i < g; i++) (void)write(tun, down.buf[i], down.msg[i].msg_len);
        }
    }
}

// Client "linkd" (Unix datagram <-> AF_PACKET), or the whole AC (TUN <-> AF_PACKET).
static void run_link(int inner, int is_tun, int pkt) {
    static struct slots up, down, out;
    slots_init(&up, HDR);   // IP packets in, room for the headers in front
    slots_init(&down, 0);   // Ethernet frames in
    slots_init(&out, 0);
    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
    memcpy(to.sll_addr, peer, 6);
    if (is_tun) fcntl(inner, F_SETFL, O_NONBLOCK);
    struct pollfd p[2] = {{.fd = inner, .events = POLLIN}, {.fd = pkt, .events = POLLIN}};
    for (;;) {
        if (poll(p, 2, -1) < 0 && errno != EINTR) die("poll");
        if (p[0].revents & POLLIN) {
            int n = 0;
            if (is_tun) {
                for (; n < batch; n++) {
                    ssize_t g = read(inner, up.buf[n] + HDR, SLOT - HDR);
                    if (g <= 0) break;
                    up.msg[n].msg_len = (unsigned)g;
                }
            } else {
                ssize_t g = recv_batch(inner, &up, batch);
                if (g < 0) exit(0);
                n = (int)g;
            }
            for (int i = 0; i < n; i++) {
                frame_header(up.buf[i], up.msg[i].msg_len);
                out.iov[i].iov_base = up.buf[i];
                out.iov[i].iov_len = up.msg[i].msg_len + HDR;
                out.msg[i].msg_hdr.msg_name = &to;
                out.msg[i].msg_hdr.msg_namelen = sizeof to;
            }
            send_batch(pkt, out.msg, n);
        }
        if (p[1].revents & POLLIN) {
            ssize_t g = recv_batch(pkt, &down, batch);
            int n = 0;
            for (int i = 0; i < g; i++) {
                size_t len;
                uint8_t *ip = frame_payload(down.buf[i], down.msg[i].msg_len, &len);
                if (!ip) continue;
                if (is_tun) { (void)write(inner, ip, len); continue; }
                out.iov[n].iov_base = ip;
                out.iov[n].iov_len = len;
                out.msg[n].msg_hdr.msg_name = NULL;
                out.msg[n].msg_hdr.msg_namelen = 0;
                n++;
            }
            if (!is_tun) send_batch(inner, out.msg, n);
        }
    }
}

int main(int argc, char **argv) {
    if (argc != 7) {
        fprintf(stderr, "usage: pppoe-ref client|ac IFNAME TUNNAME PEER-MAC SESSION-ID BATCH\n");
        return 2;
    }
    if (sscanf(argv[4], "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &peer[0], &peer[1], &peer[2], &peer[3], &peer[4],
               &peer[5]) != 6) {
        fprintf(stderr, "pppoe-ref: bad MAC %s\n", argv[4]);
        return 2;
    }
    sid = (uint16_t)atoi(argv[5]);
    batch = atoi(argv[6]);
    if (batch < 1 || batch > MAXB) batch = 1;
    int pkt = packet_open(argv[2]);
    int tun = tun_open(argv[3]);
    if (strcmp(argv[1], "ac") == 0) {
        run_link(tun, 1, pkt);
        return 0;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, sv) < 0) die("socketpair");
    int big = 4 << 20;
    for (int i = 0; i < 2; i++) {
        setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &big, sizeof big);
        setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
    }
    signal(SIGCHLD, SIG_DFL);
    pid_t child = fork();
    if (child < 0) die("fork");
    if (child == 0) {
        close(pkt);
        close(sv[1]);
        prctl(PR_SET_PDEATHSIG, SIGTERM);  // goes when the "linkd" goes
        run_ncpd(tun, sv[0]);
        return 0;
    }
    close(tun);
    close(sv[0]);
    run_link(sv[1], 0, pkt);
    return 0;
}
