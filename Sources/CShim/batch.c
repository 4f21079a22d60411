// cshim, batched receive: see include/batch.h.
#define _GNU_SOURCE
#include "batch.h"
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

int ppp_recv_batch(int fd, uint8_t *base, size_t stride, size_t room, unsigned n, size_t *lengths,
                   uint8_t *control, size_t control_size, size_t *control_lengths) {
    if (n > PPP_RECV_BATCH_MAX) n = PPP_RECV_BATCH_MAX;
    struct mmsghdr msgs[PPP_RECV_BATCH_MAX];
    struct iovec iovs[PPP_RECV_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * n);
    for (unsigned i = 0; i < n; i++) {
        iovs[i].iov_base = base + i * stride;
        iovs[i].iov_len = room;
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        if (control) {
            msgs[i].msg_hdr.msg_control = control + i * control_size;
            msgs[i].msg_hdr.msg_controllen = control_size;
        }
    }
    int got;
    do { got = recvmmsg(fd, msgs, n, MSG_DONTWAIT, NULL); } while (got < 0 && errno == EINTR);
    for (int i = 0; i < got; i++) {
        lengths[i] = (msgs[i].msg_hdr.msg_flags & MSG_TRUNC) ? PPP_RECV_TRUNCATED : msgs[i].msg_len;
        if (control)
            control_lengths[i] = (msgs[i].msg_hdr.msg_flags & MSG_CTRUNC) ? 0 : msgs[i].msg_hdr.msg_controllen;
    }
    return got;
}

int ppp_send_batch(int fd, const uint8_t *base, const size_t *offsets, const size_t *lengths, unsigned n) {
    if (n > PPP_SEND_BATCH_MAX) n = PPP_SEND_BATCH_MAX;
    struct mmsghdr msgs[PPP_SEND_BATCH_MAX];
    struct iovec iovs[PPP_SEND_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * n);
    for (unsigned i = 0; i < n; i++) {
        iovs[i].iov_base = (void *)(base + offsets[i]);
        iovs[i].iov_len = lengths[i];
        msgs[i].msg_hdr.msg_iov = &iovs[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    _Static_assert(PPP_SEND_BATCH_FLAGS == (MSG_DONTWAIT | MSG_NOSIGNAL), "the flags seccomp allows");
    int sent;
    do { sent = sendmmsg(fd, msgs, n, PPP_SEND_BATCH_FLAGS); } while (sent < 0 && errno == EINTR);
    return sent;
}
