// cshim, batched datagrams with addresses (see include/udpbatch.h).
#define _GNU_SOURCE
#include "udpbatch.h"
#include "packet.h"
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <sys/socket.h>

/// Room for one UDP_GRO or UDP_SEGMENT control message (an int, or a u16).
#define PPP_UDP_CMSG_SPACE CMSG_SPACE(sizeof(int))

int ppp_udp_recv_batch(int fd, uint8_t *base, size_t slot_size, unsigned n, size_t *lengths,
                       uint32_t *addresses, uint16_t *ports, uint16_t *segments) {
    if (n > PPP_PACKET_BATCH_MAX) n = PPP_PACKET_BATCH_MAX;
    struct mmsghdr msgs[PPP_PACKET_BATCH_MAX];
    struct iovec iovs[PPP_PACKET_BATCH_MAX];
    struct sockaddr_in from[PPP_PACKET_BATCH_MAX];
    union { char buf[PPP_UDP_CMSG_SPACE]; struct cmsghdr align; } control[PPP_PACKET_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * n);
    for (unsigned i = 0; i < n; i++) {
        iovs[i].iov_base = base + i * slot_size;
        iovs[i].iov_len = slot_size;
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
        if (segments) {
            msgs[i].msg_hdr.msg_control = control[i].buf;
            msgs[i].msg_hdr.msg_controllen = sizeof control[i].buf;
        }
    }
    int got;
    do { got = recvmmsg(fd, msgs, n, MSG_DONTWAIT, NULL); } while (got < 0 && errno == EINTR);
    for (int i = 0; i < got; i++) {
        lengths[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : msgs[i].msg_len;
        int v4 = msgs[i].msg_hdr.msg_namelen >= sizeof(struct sockaddr_in) && from[i].sin_family == AF_INET;
        addresses[i] = v4 ? ntohl(from[i].sin_addr.s_addr) : 0;
        ports[i] = v4 ? ntohs(from[i].sin_port) : 0;
        if (!segments) continue;
        segments[i] = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
                int size;
                memcpy(&size, CMSG_DATA(c), sizeof size);
                segments[i] = size > 0 && size <= 0xffff ? (uint16_t)size : 0;
            }
        }
    }
    return got;
}

int ppp_udp_set_gro(int fd, int on) {
    int v = on ? 1 : 0;
    return setsockopt(fd, SOL_UDP, UDP_GRO, &v, sizeof v);
}

int ppp_udp_send_batch(int fd, const uint8_t *base, size_t slot_size, unsigned n, const size_t *lengths,
                       const uint32_t *addresses, const uint16_t *ports) {
    if (n > PPP_PACKET_BATCH_MAX) n = PPP_PACKET_BATCH_MAX;
    struct mmsghdr msgs[PPP_PACKET_BATCH_MAX];
    struct iovec iovs[PPP_PACKET_BATCH_MAX];
    struct sockaddr_in to[PPP_PACKET_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * n);
    memset(to, 0, sizeof(struct sockaddr_in) * n);
    for (unsigned i = 0; i < n; i++) {
        if (lengths[i] > slot_size) { errno = EMSGSIZE; return -1; }
        iovs[i].iov_base = (void *)(base + i * slot_size);
        iovs[i].iov_len = lengths[i];
        to[i].sin_family = AF_INET;
        to[i].sin_addr.s_addr = htonl(addresses[i]);
        to[i].sin_port = htons(ports[i]);
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &to[i];
        msgs[i].msg_hdr.msg_namelen = sizeof to[i];
    }
    int sent;
    do { sent = sendmmsg(fd, msgs, n, MSG_DONTWAIT); } while (sent < 0 && errno == EINTR);
    return sent;
}

/// How many slots from `i` make one UDP_SEGMENT message: equal lengths to
/// one destination, the last possibly shorter, within the kernel's limits.
static unsigned run_at(unsigned i, unsigned n, const size_t *lengths, const uint32_t *addresses,
                       const uint16_t *ports, size_t max_segment) {
    size_t size = lengths[i];
    if (size == 0 || size > max_segment) return 1;
    unsigned j = i + 1;
    size_t total = size;
    while (j < n && j - i < PPP_UDP_GSO_SEGMENTS_MAX && lengths[j] > 0 && lengths[j] <= size
           && total + lengths[j] <= PPP_UDP_GSO_OCTETS_MAX
           && (!addresses || (addresses[j] == addresses[i] && ports[j] == ports[i]))) {
        total += lengths[j];
        j++;
        if (lengths[j - 1] < size) break;  // a shorter one ends the run
    }
    return j - i;
}

int ppp_udp_send_runs(int fd, const uint8_t *base, size_t slot_size, unsigned n, const size_t *lengths,
                      const uint32_t *addresses, const uint16_t *ports, size_t max_segment,
                      struct ppp_udp_runs *runs) {
    if (n > PPP_PACKET_BATCH_MAX) n = PPP_PACKET_BATCH_MAX;
    struct mmsghdr msgs[PPP_PACKET_BATCH_MAX];
    struct iovec iovs[PPP_PACKET_BATCH_MAX];
    struct sockaddr_in to[PPP_PACKET_BATCH_MAX];
    union { char buf[PPP_UDP_CMSG_SPACE]; struct cmsghdr align; } control[PPP_PACKET_BATCH_MAX];
    unsigned count[PPP_PACKET_BATCH_MAX];
    memset(runs, 0, sizeof *runs);
    unsigned m = 0;
    for (unsigned i = 0; i < n; ) {
        if (lengths[i] > slot_size) { errno = EMSGSIZE; return -1; }
        unsigned k = run_at(i, n, lengths, addresses, ports, max_segment);
        memset(&msgs[m], 0, sizeof msgs[m]);
        for (unsigned s = 0; s < k; s++) {
            iovs[i + s].iov_base = (void *)(base + (i + s) * slot_size);
            iovs[i + s].iov_len = lengths[i + s];
        }
        msgs[m].msg_hdr.msg_iov = &iovs[i];
        msgs[m].msg_hdr.msg_iovlen = k;
        if (addresses) {
            memset(&to[m], 0, sizeof to[m]);
            to[m].sin_family = AF_INET;
            to[m].sin_addr.s_addr = htonl(addresses[i]);
            to[m].sin_port = htons(ports[i]);
            msgs[m].msg_hdr.msg_name = &to[m];
            msgs[m].msg_hdr.msg_namelen = sizeof to[m];
        }
        if (k > 1) {
            memset(control[m].buf, 0, sizeof control[m].buf);
            msgs[m].msg_hdr.msg_control = control[m].buf;
            msgs[m].msg_hdr.msg_controllen = CMSG_SPACE(sizeof(uint16_t));
            struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[m].msg_hdr);
            c->cmsg_level = SOL_UDP;
            c->cmsg_type = UDP_SEGMENT;
            c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
            uint16_t size = (uint16_t)lengths[i];
            memcpy(CMSG_DATA(c), &size, sizeof size);
        }
        if (m == 0) { runs->first_slots = k; runs->first_size = lengths[i]; }
        count[m] = k;
        m++;
        i += k;
    }
    int sent;
    do { sent = sendmmsg(fd, msgs, m, MSG_DONTWAIT); } while (sent < 0 && errno == EINTR);
    for (int j = 0; j < sent; j++) {
        runs->slots += count[j];
        if (count[j] > 1) { runs->gso_messages++; runs->gso_segments += count[j]; }
    }
    return sent;
}
