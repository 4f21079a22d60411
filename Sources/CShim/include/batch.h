// cshim, batched receive: one recvmmsg(2) for many datagrams, shared by the
// AF_PACKET ports (PPPoE, packet.h) and the linkd–ncpd mux (issue 13 point
// 1, a SEQPACKET socket), so both read a burst with one system call into
// slots allocated once by the caller. And the mux's batched send (issue 21
// point 2): one sendmmsg(2) for a round's frames, from the same kind of slots.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// The most datagrams one ppp_recv_batch call reads.
#define PPP_RECV_BATCH_MAX 64

/// The length a datagram longer than its room gets (MSG_TRUNC: the caller
/// drops it). Not 0, which on a SEQPACKET socket is the end of file.
#define PPP_RECV_TRUNCATED ((size_t)-1)

/// recvmmsg(2), MSG_DONTWAIT: up to `n` datagrams (at most
/// PPP_RECV_BATCH_MAX), the i-th into `room` octets at base + i * stride.
/// lengths[i] gets its length, or PPP_RECV_TRUNCATED.
/// With `control` not NULL, the i-th also gets `control_size` octets of
/// control messages at control + i * control_size (PACKET_AUXDATA), and
/// control_lengths[i] the octets the kernel wrote (0 when cut: MSG_CTRUNC,
/// the caller treats what they would say as unknown).
/// Returns the number of datagrams, or -1 with errno (EAGAIN: none waiting).
int ppp_recv_batch(int fd, uint8_t *base, size_t stride, size_t room, unsigned n, size_t *lengths,
                   uint8_t *control, size_t control_size, size_t *control_lengths);

/// The most datagrams one ppp_send_batch call sends.
#define PPP_SEND_BATCH_MAX 64

/// The flags ppp_send_batch passes to sendmmsg(2) (MSG_DONTWAIT |
/// MSG_NOSIGNAL): ncpd's seccomp grant allows sendmmsg with these only.
#define PPP_SEND_BATCH_FLAGS 0x4040

/// sendmmsg(2) on a connected socket (SEQPACKET or DGRAM), MSG_DONTWAIT |
/// MSG_NOSIGNAL (a peer gone is EPIPE, not SIGPIPE): up to `n` datagrams (at
/// most PPP_SEND_BATCH_MAX), the i-th lengths[i] octets at base + offsets[i]
/// (the mux's send arena, where frames of any length lie end to end).
/// Returns how many left (the first ones, in order), or -1 with errno for
/// the first when none did (EAGAIN: the socket is full).
int ppp_send_batch(int fd, const uint8_t *base, const size_t *offsets, const size_t *lengths, unsigned n);
