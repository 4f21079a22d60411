// cshim, AF_PACKET part (see include/packet.h). Thin wrappers; errno preserved.
#define _GNU_SOURCE
#include "packet.h"
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>

static int ifreq_for(struct ifreq *ifr, const char *ifname) {
    memset(ifr, 0, sizeof *ifr);
    size_t n = strlen(ifname);
    if (n == 0 || n >= IFNAMSIZ) { errno = EINVAL; return -1; }
    memcpy(ifr->ifr_name, ifname, n);
    return 0;
}

int ppp_interface_mtu(const char *ifname) {
    struct ifreq ifr;
    if (ifreq_for(&ifr, ifname) < 0) return -1;
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    int rc = ioctl(s, SIOCGIFMTU, &ifr);
    int e = errno;
    close(s);
    if (rc < 0) { errno = e; return -1; }
    return ifr.ifr_mtu;
}

int ppp_packet_open(const char *ifname, uint16_t ethertype, uint8_t mac[6], int *ifindex, int *mtu) {
    struct ifreq ifr;
    if (ifreq_for(&ifr, ifname) < 0) return -1;
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ethertype));
    if (fd < 0) return -1;
    if (ioctl(fd, SIOCGIFINDEX, &ifr) < 0) goto fail;
    int index = ifr.ifr_ifindex;
    if (ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) goto fail;
    if (ifr.ifr_hwaddr.sa_family != 1 /* ARPHRD_ETHER */) { errno = EPROTOTYPE; goto fail; }
    memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
    if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) goto fail;
    *mtu = ifr.ifr_mtu;
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ethertype);
    sll.sll_ifindex = index;
    if (bind(fd, (struct sockaddr *)&sll, sizeof sll) < 0) goto fail;
    /* A burst must wait in the socket, not be dropped: thousands of Hosts'
       PADTs or LCP frames at once (an access node rebooting) overflow the
       default ~208 KiB, a few hundred frames. 4 MiB, beyond
       net.core.rmem_max where CAP_NET_ADMIN allows (linkd opens as root),
       else as much as rmem_max gives. */
    int rcvbuf = 4 << 20;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof rcvbuf) < 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    *ifindex = index;
    return fd;
fail:;
    int e = errno;
    close(fd);
    errno = e;
    return -1;
}

int ppp_packet_info(int fd, uint8_t mac[6], int *ifindex, int *mtu) {
    struct sockaddr_ll sll;
    socklen_t len = sizeof sll;
    memset(&sll, 0, sizeof sll);
    if (getsockname(fd, (struct sockaddr *)&sll, &len) < 0) return -1;
    if (sll.sll_family != AF_PACKET || sll.sll_ifindex <= 0 || sll.sll_halen != 6) { errno = EPROTOTYPE; return -1; }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_ifindex = sll.sll_ifindex;
    if (ioctl(fd, SIOCGIFNAME, &ifr) < 0) return -1;
    if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) return -1;
    memcpy(mac, sll.sll_addr, 6);
    *ifindex = sll.sll_ifindex;
    *mtu = ifr.ifr_mtu;
    return 0;
}

int ppp_packet_send_batch(int fd, const uint8_t *base, size_t slot_size, unsigned n, const size_t *lengths) {
    if (n > PPP_PACKET_BATCH_MAX) n = PPP_PACKET_BATCH_MAX;
    struct mmsghdr msgs[PPP_PACKET_BATCH_MAX];
    struct iovec iovs[PPP_PACKET_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * n);
    for (unsigned i = 0; i < n; i++) {
        if (lengths[i] > slot_size) { errno = EMSGSIZE; return -1; }
        iovs[i].iov_base = (void *)(base + i * slot_size);
        iovs[i].iov_len = lengths[i];
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent;
    do { sent = sendmmsg(fd, msgs, n, MSG_DONTWAIT); } while (sent < 0 && errno == EINTR);
    return sent;
}

#include <linux/filter.h>

static int attach(int fd, struct sock_filter *code, unsigned short n) {
    struct sock_fprog prog = { .len = n, .filter = code };
    return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof prog);
}

int ppp_packet_open_tagged(const char *ifname, uint8_t mac[6], int *ifindex, int *mtu) {
    int fd = ppp_packet_open(ifname, ETH_P_ALL, mac, ifindex, mtu);
    if (fd < 0) return -1;
    /* Frames with the outermost tag in the skb's metadata (SKF_AD_VLAN_TAG_PRESENT)
       and PPPoE or a further C-tag after it. */
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_VLAN_TAG_PRESENT),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0, 5, 0),
        BPF_STMT(BPF_LD | BPF_H | BPF_ABS, 12),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8863, 2, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8864, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x8100, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, 0x40000),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    int one = 1;
    if (attach(fd, code, sizeof code / sizeof code[0]) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_AUXDATA, &one, sizeof one) < 0
        || setsockopt(fd, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof one) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    /* What was queued before the filter was attached may be anything. */
    uint8_t drain[64];
    while (recv(fd, drain, sizeof drain, MSG_DONTWAIT | MSG_TRUNC) >= 0) {}
    return fd;
}

int ppp_packet_drop_otherhost(int fd) {
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_AD_OFF + SKF_AD_PKTTYPE),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PACKET_OTHERHOST, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, 0x40000),
        BPF_STMT(BPF_RET | BPF_K, 0),
    };
    return attach(fd, code, sizeof code / sizeof code[0]);
}
