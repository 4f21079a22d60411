// Load generator of scripts/bench-pppoe-many.sh (issue 21): N PPPoE clients
// in one process, each with its own MAC (02:5b:00:00:hi:lo), so one router's
// access concentrator carries N sessions while the client side costs little.
// Each client does discovery (RFC 2516 §5: PADI, PADR echoing the AC-Cookie),
// LCP (RFC 1661: a Configure-Request with a Magic-Number, a Configure-Ack for
// whatever the AC asks, Echo-Replies) and IPCP (RFC 1332: ask for 0.0.0.0,
// take the Nak's address), no authentication. Then the process forwards IP
// between one TUN unit and the sessions: a packet read from the TUN goes to
// the session whose address is its source; an IPv4 packet of a session is
// written to the TUN. Other protocols the AC tries get an LCP
// Protocol-Reject. Once every client is up (or the time is over) it writes
// one address per line to ADDRESS-FILE; the caller puts them on the TUN.
//   pppoe-swarm IFNAME TUNNAME N ADDRESS-FILE SETUP-SECONDS
// Issue 13 (scripts/bench-pppoe-sessions.sh) sets, in the environment:
//   SWARM_RATE=R     clients started per second (default 200)
//   SWARM_WINDOW=W   at most W clients between PADI and IPCP-opened (default: no bound)
//   SWARM_PAP=USER:PASSWORD  authenticate with PAP (RFC 1334 §2) when the AC asks
//   SWARM_IPV6=1     also open IPv6CP (RFC 5072: an Interface-Identifier of
//                    its own, the Nak's if the AC refuses it); a client is up
//                    once IPCP and IPv6CP are both Opened
//   SWARM_STATUS=FILE  every 0.2 s one line: seconds since the start, clients
//                    up, PADTs and LCP Terminate-Requests received, time
//                    the last client came up, PADTs sent; the times 50%,
//                    90%, 99% and all were up; retransmissions per stage
// SIGUSR1 sends a PADT for every session (RFC 2516 §5.5), 1,000 a second.
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
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define SLOT 2048

enum stage { IDLE, DISCOVERING, REQUESTING, LINKING, AUTHENTICATING, NETWORKING, UP };

struct host {
    enum stage stage;
    uint16_t sid;
    uint8_t cookie[64];
    int cookie_len;
    uint8_t id;
    int lcp_acked, lcp_acking, ipcp_acked, ipcp_acking, ipv6cp_acked, ipv6cp_acking;
    uint8_t identifier[8];
    uint32_t address; /* network order */
    double sent_at;
};

static struct host *hosts;
static int count, up_count, ifindex;
static uint8_t ac[6];
static int have_ac;
static int disc_fd, sess_fd, tun_fd;
static uint16_t by_address[65536]; /* low 16 bits of an address -> host + 1 */
static uint32_t address_high;      /* the high 16 bits every address shares */
static int lcp_auth_pap;           /* the AC asked for PAP in its LCP Configure-Request */
static char pap_user[128], pap_password[128];
static long padt_received, terminate_received, padt_sent;
static double last_up;
static volatile sig_atomic_t padt_asked;
static long resent[UP + 1];        /* retransmissions by stage */
static double up_at[4];            /* when 50%, 90%, 99%, all were up */

static void die(const char *what) { perror(what); exit(1); }

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int packet_open(const char *ifname, uint16_t type) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(type));
    if (fd < 0) die("AF_PACKET");
    struct ifreq ifr = {0};
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", ifname);
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) die("SIOCGIFINDEX");
    ifindex = ifr.ifr_ifindex;
    struct sockaddr_ll sll = {.sll_family = AF_PACKET, .sll_protocol = htons(type), .sll_ifindex = ifindex};
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) die("bind");
    int big = 8 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof big);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &big, sizeof big);
    return fd;
}

static void mac_of(int i, uint8_t *m) {
    m[0] = 0x02; m[1] = 0x5b; m[2] = 0; m[3] = 0; m[4] = (uint8_t)((i + 1) >> 8); m[5] = (uint8_t)(i + 1);
}

// Ethernet + PPPoE header in front of `len` octets of payload; returns 20.
static int pppoe_header(uint8_t *f, int i, const uint8_t *dst, uint16_t type, uint8_t code, uint16_t sid, int len) {
    memcpy(f, dst, 6);
    mac_of(i, f + 6);
    f[12] = (uint8_t)(type >> 8); f[13] = (uint8_t)type;
    f[14] = 0x11; f[15] = code;
    f[16] = (uint8_t)(sid >> 8); f[17] = (uint8_t)sid;
    f[18] = (uint8_t)(len >> 8); f[19] = (uint8_t)len;
    return 20;
}

static void send_frame(int fd, uint8_t *f, int len) {
    struct sockaddr_ll to = {.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
    memcpy(to.sll_addr, f, 6);
    (void)sendto(fd, f, (size_t)len, 0, (struct sockaddr *)&to, sizeof to);
}

static int tag(uint8_t *p, uint16_t type, const uint8_t *v, int len) {
    p[0] = (uint8_t)(type >> 8); p[1] = (uint8_t)type; p[2] = (uint8_t)(len >> 8); p[3] = (uint8_t)len;
    if (len) memcpy(p + 4, v, (size_t)len);
    return 4 + len;
}

static void send_padi(int i) {
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    uint8_t f[128], uniq[4] = {0, 0, (uint8_t)(i >> 8), (uint8_t)i};
    int n = 20;
    n += tag(f + n, 0x0101, NULL, 0);  // Service-Name: any
    n += tag(f + n, 0x0103, uniq, 4);  // Host-Uniq
    pppoe_header(f, i, bcast, 0x8863, 0x09, 0, n - 20);
    send_frame(disc_fd, f, n);
}

static void send_padr(int i) {
    uint8_t f[256], uniq[4] = {0, 0, (uint8_t)(i >> 8), (uint8_t)i};
    int n = 20;
    n += tag(f + n, 0x0101, NULL, 0);
    n += tag(f + n, 0x0103, uniq, 4);
    if (hosts[i].cookie_len) n += tag(f + n, 0x0104, hosts[i].cookie, hosts[i].cookie_len);
    pppoe_header(f, i, ac, 0x8863, 0x19, 0, n - 20);
    send_frame(disc_fd, f, n);
}

// A PPP control packet on host i's session.
static void send_ppp(int i, uint16_t proto, uint8_t code, uint8_t id, const uint8_t *data, int len) {
    uint8_t f[SLOT];
    int n = 20;
    f[n++] = (uint8_t)(proto >> 8); f[n++] = (uint8_t)proto;
    f[n++] = code; f[n++] = id; f[n++] = (uint8_t)((len + 4) >> 8); f[n++] = (uint8_t)(len + 4);
    if (len) memcpy(f + n, data, (size_t)len);
    n += len;
    pppoe_header(f, i, ac, 0x8864, 0, hosts[i].sid, n - 20);
    send_frame(sess_fd, f, n);
}

static void send_lcp_request(int i) {
    uint32_t magic = htonl(0x5b000000u | (uint32_t)(i + 1));
    uint8_t o[10] = {1, 4, 0x05, 0xd4, 5, 6};  // MRU 1492, Magic-Number
    memcpy(o + 6, &magic, 4);
    send_ppp(i, 0xc021, 1, ++hosts[i].id, o, 10);
}

// RFC 1334 §2.2.1: Peer-ID-Length, Peer-ID, Passwd-Length, Password.
static void send_pap(int i) {
    uint8_t d[260];
    int u = (int)strlen(pap_user), w = (int)strlen(pap_password);
    d[0] = (uint8_t)u; memcpy(d + 1, pap_user, (size_t)u);
    d[1 + u] = (uint8_t)w; memcpy(d + 2 + u, pap_password, (size_t)w);
    send_ppp(i, 0xc023, 1, ++hosts[i].id, d, 2 + u + w);
}

static void send_ipcp_request(int i) {
    uint8_t o[6] = {3, 6};
    memcpy(o + 2, &hosts[i].address, 4);
    send_ppp(i, 0x8021, 1, ++hosts[i].id, o, 6);
}

static int swarm_ipv6;

// RFC 5072 §4.1: Interface-Identifier (type 1, length 10); a client's own is
// 02:5b:00:00:00:00:hi:lo until the AC Naks it.
static void send_ipv6cp_request(int i) {
    uint8_t o[10] = {1, 10};
    if (!hosts[i].identifier[0] && !hosts[i].identifier[1]) {
        uint8_t own[8] = {0x02, 0x5b, 0, 0, 0, 0, (uint8_t)((i + 1) >> 8), (uint8_t)(i + 1)};
        memcpy(hosts[i].identifier, own, 8);
    }
    memcpy(o + 2, hosts[i].identifier, 8);
    send_ppp(i, 0x8057, 1, ++hosts[i].id, o, 10);
}

static int network_up(const struct host *h) {
    return h->ipcp_acked && h->ipcp_acking && (!swarm_ipv6 || (h->ipv6cp_acked && h->ipv6cp_acking));
}

static void host_up(int i) {
    if (hosts[i].stage == UP) return;
    hosts[i].stage = UP;
    up_count++;
    last_up = now();
    static const double share[4] = {0.5, 0.9, 0.99, 1.0};
    for (int k = 0; k < 4; k++) if (up_at[k] == 0 && up_count >= share[k] * count) up_at[k] = last_up;
    uint32_t a = ntohl(hosts[i].address);
    address_high = a >> 16;
    by_address[a & 0xffff] = (uint16_t)(i + 1);
}

// Sends what the host's stage waits on again (or for the first time).
static void resend(int i, double t) {
    struct host *h = &hosts[i];
    h->sent_at = t;
    switch (h->stage) {
    case IDLE: h->stage = DISCOVERING; /* fall through */
    case DISCOVERING: send_padi(i); break;
    case REQUESTING: send_padr(i); break;
    case LINKING: if (!h->lcp_acked) send_lcp_request(i); break;
    case AUTHENTICATING: send_pap(i); break;
    case NETWORKING:
        if (!h->ipcp_acked) send_ipcp_request(i);
        if (swarm_ipv6 && !h->ipv6cp_acked) send_ipv6cp_request(i);
        break;
    case UP: break;
    }
}

static int host_of(const uint8_t *f) {
    if (f[0] != 0x02 || f[1] != 0x5b) return -1;
    int i = ((f[4] << 8) | f[5]) - 1;
    return i >= 0 && i < count ? i : -1;
}

static void discovery(uint8_t *f, int n) {
    if (n < 20) return;
    int i = host_of(f);
    if (i < 0) return;
    struct host *h = &hosts[i];
    int len = (f[18] << 8) | f[19];
    if (len > n - 20) return;
    if (f[15] == 0x07 && h->stage == DISCOVERING) {  // PADO
        if (!have_ac) { memcpy(ac, f + 6, 6); have_ac = 1; }
        for (int p = 20; p + 4 <= 20 + len;) {
            int t = (f[p] << 8) | f[p + 1], l = (f[p + 2] << 8) | f[p + 3];
            if (p + 4 + l > 20 + len) break;
            if (t == 0x0104 && l <= (int)sizeof h->cookie) { memcpy(h->cookie, f + p + 4, (size_t)l); h->cookie_len = l; }
            p += 4 + l;
        }
        h->stage = REQUESTING;
        resend(i, now());
    } else if (f[15] == 0x65 && h->stage == REQUESTING) {  // PADS
        h->sid = (uint16_t)((f[16] << 8) | f[17]);
        h->stage = LINKING;
        resend(i, now());
    } else if (f[15] == 0xa7 && h->sid == ((f[16] << 8) | f[17])) {  // PADT
        if (h->stage == UP) { up_count--; by_address[ntohl(h->address) & 0xffff] = 0; }
        padt_received++;
        memset(h, 0, sizeof *h);
    }
}

static void control(int i, uint8_t *f, int n) {
    struct host *h = &hosts[i];
    uint16_t proto = (uint16_t)((f[20] << 8) | f[21]);
    uint8_t *p = f + 22;
    int plen = n - 22;
    if (plen < 4) return;
    uint8_t code = p[0], id = p[1];
    int len = (p[2] << 8) | p[3];
    if (len < 4 || len > plen) return;
    if (proto == 0xc021) {
        switch (code) {
        case 1:  // Configure-Ack all; note an Authentication-Protocol of PAP
            for (int o = 4; o + 2 <= len && p[o + 1] >= 2; o += p[o + 1]) {
                if (p[o] == 3 && p[o + 1] >= 4 && p[o + 2] == 0xc0 && p[o + 3] == 0x23) lcp_auth_pap = 1;
            }
            send_ppp(i, 0xc021, 2, id, p + 4, len - 4); h->lcp_acking = 1; break;
        case 2: h->lcp_acked = 1; break;
        case 5: send_ppp(i, 0xc021, 6, id, NULL, 0); terminate_received++; break;  // Terminate-Ack
        case 9: {  // Echo-Reply with our magic
            uint32_t magic = htonl(0x5b000000u | (uint32_t)(i + 1));
            send_ppp(i, 0xc021, 10, id, (uint8_t *)&magic, 4);
            break;
        }
        default: break;
        }
        if (h->stage == LINKING && h->lcp_acked && h->lcp_acking) {
            h->stage = lcp_auth_pap && pap_user[0] ? AUTHENTICATING : NETWORKING;
            resend(i, now());
        }
    } else if (proto == 0xc023) {  // PAP: Authenticate-Ack goes on to IPCP
        if (h->stage == AUTHENTICATING && code == 2 && id == h->id) { h->stage = NETWORKING; resend(i, now()); }
    } else if (proto == 0x8021) {
        switch (code) {
        case 1: send_ppp(i, 0x8021, 2, id, p + 4, len - 4); h->ipcp_acking = 1; break;
        case 2: h->ipcp_acked = 1; break;
        case 3:  // Configure-Nak: the address to ask for
            for (int o = 4; o + 6 <= len; o += p[o + 1] ? p[o + 1] : len) {
                if (p[o] == 3 && p[o + 1] == 6) memcpy(&h->address, p + o + 2, 4);
            }
            send_ipcp_request(i);
            break;
        default: break;
        }
        if (h->stage == NETWORKING && network_up(h)) host_up(i);
    } else if (proto == 0x8057 && swarm_ipv6) {
        switch (code) {
        case 1: send_ppp(i, 0x8057, 2, id, p + 4, len - 4); h->ipv6cp_acking = 1; break;
        case 2: h->ipv6cp_acked = 1; break;
        case 3:  // Configure-Nak: the identifier to use
            for (int o = 4; o + 10 <= len; o += p[o + 1] ? p[o + 1] : len) {
                if (p[o] == 1 && p[o + 1] == 10) memcpy(h->identifier, p + o + 2, 8);
            }
            send_ipv6cp_request(i);
            break;
        default: break;
        }
        if (h->stage == NETWORKING && network_up(h)) host_up(i);
    } else if (code == 1 && h->stage >= LINKING) {  // RFC 1661 §5.7 Protocol-Reject
        uint8_t r[SLOT];
        r[0] = (uint8_t)(proto >> 8); r[1] = (uint8_t)proto;
        int m = len < 1400 ? len : 1400;
        memcpy(r + 2, p, (size_t)m);
        send_ppp(i, 0xc021, 8, ++h->id, r, m + 2);
    }
}

static struct { uint8_t buf[BATCH][SLOT]; struct mmsghdr msg[BATCH]; struct iovec iov[BATCH]; } in, out;

static void slots_init(void) {
    for (int i = 0; i < BATCH; i++) {
        in.iov[i] = (struct iovec){in.buf[i], SLOT};
        in.msg[i].msg_hdr = (struct msghdr){.msg_iov = &in.iov[i], .msg_iovlen = 1};
        out.iov[i] = (struct iovec){out.buf[i], SLOT};
        out.msg[i].msg_hdr = (struct msghdr){.msg_iov = &out.iov[i], .msg_iovlen = 1};
    }
}

static void session_frames(void) {
    for (int round = 0; round < 16; round++) {
        for (int k = 0; k < BATCH; k++) in.iov[k].iov_len = SLOT;
        int g = recvmmsg(sess_fd, in.msg, BATCH, MSG_DONTWAIT, NULL);
        if (g <= 0) return;
        for (int k = 0; k < g; k++) {
            uint8_t *f = in.buf[k];
            int n = (int)in.msg[k].msg_len;
            if (n < 22) continue;
            int i = host_of(f);
            if (i < 0 || hosts[i].sid != ((f[16] << 8) | f[17]) || hosts[i].stage < LINKING) continue;
            int len = (f[18] << 8) | f[19];
            if (len < 2 || len > n - 20) continue;
            n = 20 + len;
            if (f[20] == 0x00 && f[21] == 0x21) {
                if (hosts[i].stage == UP) (void)write(tun_fd, f + 22, (size_t)(n - 22));
            } else {
                control(i, f, n);
            }
        }
        if (g < BATCH) return;
    }
}

static void tun_packets(void) {
    static struct sockaddr_ll to[BATCH];
    for (int round = 0; round < 16; round++) {
        int n = 0;
        for (; n < BATCH; n++) {
            uint8_t *f = out.buf[n];
            ssize_t g = read(tun_fd, f + 22, SLOT - 22);
            if (g <= 0) break;
            if (g < 20 || (f[22] >> 4) != 4) { n--; continue; }
            uint32_t src;
            memcpy(&src, f + 22 + 12, 4);
            src = ntohl(src);
            int i = (src >> 16) == address_high ? by_address[src & 0xffff] - 1 : -1;
            if (i < 0 || hosts[i].stage != UP) { n--; continue; }
            pppoe_header(f, i, ac, 0x8864, 0, hosts[i].sid, (int)g + 2);
            f[20] = 0x00; f[21] = 0x21;
            out.iov[n].iov_len = (size_t)g + 22;
            to[n] = (struct sockaddr_ll){.sll_family = AF_PACKET, .sll_ifindex = ifindex, .sll_halen = 6};
            memcpy(to[n].sll_addr, ac, 6);
            out.msg[n].msg_hdr.msg_name = &to[n];
            out.msg[n].msg_hdr.msg_namelen = sizeof to[n];
        }
        for (int done = 0; done < n;) {
            int s = sendmmsg(sess_fd, out.msg + done, (unsigned)(n - done), 0);
            if (s <= 0) break;
            done += s;
        }
        if (n < BATCH) return;
    }
}

static void on_usr1(int sig) { (void)sig; padt_asked = 1; }

// §5.5: a PADT for every session we hold, paced; the hosts end here.
static void send_padts(void) {
    for (int i = 0; i < count; i++) {
        if (hosts[i].sid == 0) continue;
        uint8_t f[64];
        pppoe_header(f, i, ac, 0x8863, 0xa7, hosts[i].sid, 0);
        send_frame(disc_fd, f, 20);
        padt_sent++;
        if (hosts[i].stage == UP) { up_count--; by_address[ntohl(hosts[i].address) & 0xffff] = 0; }
        memset(&hosts[i], 0, sizeof hosts[i]);
        hosts[i].stage = UP + 1;  // ended: not started again
        if (padt_sent % 50 == 0) usleep(50000);
    }
}

int main(int argc, char **argv) {
    if (argc != 6) {
        fprintf(stderr, "usage: pppoe-swarm IFNAME TUNNAME N ADDRESS-FILE SETUP-SECONDS\n");
        return 2;
    }
    count = atoi(argv[3]);
    if (count < 1 || count > 60000) { fprintf(stderr, "pppoe-swarm: N from 1 to 60000\n"); return 2; }
    double setup = atof(argv[5]);
    const char *e;
    double rate = (e = getenv("SWARM_RATE")) ? atof(e) : 200;
    int window = (e = getenv("SWARM_WINDOW")) ? atoi(e) : count;
    if ((e = getenv("SWARM_PAP")) && strchr(e, ':')) {
        snprintf(pap_user, sizeof pap_user, "%.*s", (int)(strchr(e, ':') - e), e);
        snprintf(pap_password, sizeof pap_password, "%s", strchr(e, ':') + 1);
    }
    swarm_ipv6 = (e = getenv("SWARM_IPV6")) && atoi(e) == 1;
    const char *status = getenv("SWARM_STATUS");
    signal(SIGUSR1, on_usr1);
    hosts = calloc((size_t)count, sizeof *hosts);
    if (!hosts) die("calloc");
    slots_init();
    disc_fd = packet_open(argv[1], 0x8863);
    sess_fd = packet_open(argv[1], 0x8864);
    tun_fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (tun_fd < 0) die("/dev/net/tun");
    struct ifreq ifr = {0};
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", argv[2]);
    if (ioctl(tun_fd, TUNSETIFF, &ifr) < 0) die("TUNSETIFF");

    double start = now(), last_tick = 0, last_status = 0;
    int reported = 0, next = 0;
    struct pollfd p[3] = {{.fd = disc_fd, .events = POLLIN}, {.fd = sess_fd, .events = POLLIN}, {.fd = tun_fd, .events = POLLIN}};
    for (;;) {
        double t = now();
        // Start RATE clients a second (at most WINDOW on the way); a stage
        // unanswered for 2 s is sent again.
        if (t - last_tick >= 0.01) {
            last_tick = t;
            int due = (int)((t - start) * rate) + 1, on_the_way = 0;
            for (int i = 0; i < next; i++) {
                if (hosts[i].stage > IDLE && hosts[i].stage < UP) on_the_way++;
            }
            while (next < count && next < due && on_the_way < window) { resend(next++, t); on_the_way++; }
            for (int i = 0; i < next; i++) {
                if (hosts[i].stage != UP && hosts[i].stage <= NETWORKING && t - hosts[i].sent_at > 2) {
                    resent[hosts[i].stage]++;
                    resend(i, t);
                }
            }
        }
        if (padt_asked) { padt_asked = 0; send_padts(); }
        if (status && t - last_status >= 0.2) {
            last_status = t;
            FILE *s = fopen(status, "w");
            if (s) {
                fprintf(s, "%.3f %d %ld %ld %.3f %ld", t - start, up_count, padt_received, terminate_received,
                        last_up > 0 ? last_up - start : 0, padt_sent);
                for (int k = 0; k < 4; k++) fprintf(s, " %.3f", up_at[k] > 0 ? up_at[k] - start : 0);
                fprintf(s, " retransmits PADI %ld PADR %ld LCP %ld PAP %ld IPCP %ld\n", resent[DISCOVERING], resent[REQUESTING],
                        resent[LINKING], resent[AUTHENTICATING], resent[NETWORKING]);
                fclose(s);
            }
        }
        if (!reported && (up_count == count || t - start > setup)) {
            FILE *a = fopen(argv[4], "w");
            if (!a) die(argv[4]);
            for (int i = 0; i < count; i++) {
                if (hosts[i].stage != UP) continue;
                struct in_addr x = {hosts[i].address};
                fprintf(a, "%s\n", inet_ntoa(x));
            }
            fclose(a);
            printf("pppoe-swarm: %d of %d sessions up after %.1f s\n", up_count, count, t - start);
            fflush(stdout);
            reported = 1;
        }
        if (poll(p, 3, 50) < 0 && errno != EINTR) die("poll");
        if (p[0].revents & POLLIN) {
            for (int k = 0; k < 64; k++) {
                ssize_t g = recv(disc_fd, in.buf[0], SLOT, MSG_DONTWAIT);
                if (g <= 0) break;
                discovery(in.buf[0], (int)g);
            }
        }
        if (p[1].revents & POLLIN) session_frames();
        if (p[2].revents & POLLIN) tun_packets();
    }
}
