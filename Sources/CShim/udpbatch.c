// cshim, batched datagrams with addresses (see include/udpbatch.h).
#define _GNU_SOURCE
#include "udpbatch.h"
#include "packet.h"
#include <errno.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

int ppp_udp_recv_batch(int fd, uint8_t *base, size_t slot_size, unsigned n, size_t *lengths,
                       uint32_t *addresses, uint16_t *ports) {
    if (n > PPP_PACKET_BATCH_MAX) n = PPP_PACKET_BATCH_MAX;
    struct mmsghdr msgs[PPP_PACKET_BATCH_MAX];
    struct iovec iovs[PPP_PACKET_BATCH_MAX];
    struct sockaddr_in from[PPP_PACKET_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * n);
    for (unsigned i = 0; i < n; i++) {
        iovs[i].iov_base = base + i * slot_size;
        iovs[i].iov_len = slot_size;
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &from[i];
        msgs[i].msg_hdr.msg_namelen = sizeof from[i];
    }
    int got;
    do { got = recvmmsg(fd, msgs, n, MSG_DONTWAIT, NULL); } while (got < 0 && errno == EINTR);
    for (int i = 0; i < got; i++) {
        lengths[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? 0 : msgs[i].msg_len;
        int v4 = msgs[i].msg_hdr.msg_namelen >= sizeof(struct sockaddr_in) && from[i].sin_family == AF_INET;
        addresses[i] = v4 ? ntohl(from[i].sin_addr.s_addr) : 0;
        ports[i] = v4 ? ntohs(from[i].sin_port) : 0;
    }
    return got;
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
