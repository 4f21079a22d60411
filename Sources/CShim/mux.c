// cshim, the linkd–ncpd mux: see include/mux.h.
#define _GNU_SOURCE
#include "mux.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#define PPP_MUX_BATCH_MAX 64

int ppp_mux_recv(int fd, uint8_t *base, size_t stride, size_t room, unsigned n, size_t *lengths) {
    if (n > PPP_MUX_BATCH_MAX) n = PPP_MUX_BATCH_MAX;
    struct mmsghdr msgs[PPP_MUX_BATCH_MAX];
    struct iovec iovs[PPP_MUX_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * n);
    for (unsigned i = 0; i < n; i++) {
        iovs[i].iov_base = base + i * stride;
        iovs[i].iov_len = room;
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int got;
    do { got = recvmmsg(fd, msgs, n, MSG_DONTWAIT, NULL); } while (got < 0 && errno == EINTR);
    for (int i = 0; i < got; i++)
        lengths[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? (size_t)-1 : msgs[i].msg_len;
    return got;
}
