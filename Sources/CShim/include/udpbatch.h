// cshim, batched datagrams with addresses (issue 21): one unconnected UDP
// socket serving many peers (an l2tp port, RFC 2661 §8.1) reads and writes
// vectors of datagrams with recvmmsg/sendmmsg, each with its IPv4 peer.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// recvmmsg(2), MSG_DONTWAIT: up to `n` datagrams (at most
/// PPP_PACKET_BATCH_MAX) into consecutive slots of `slot_size` octets at
/// `base`; lengths[i] gets each one's length, or 0 when it was longer than
/// a slot (MSG_TRUNC: the caller drops it); addresses[i] and ports[i] its
/// sender (host order; 0 and 0 when not IPv4). Returns the number of
/// datagrams, or -1 with errno (EAGAIN: none waiting).
int ppp_udp_recv_batch(int fd, uint8_t *base, size_t slot_size, unsigned n, size_t *lengths,
                       uint32_t *addresses, uint16_t *ports);

/// sendmmsg(2), MSG_DONTWAIT: `n` datagrams from consecutive slots, datagram
/// i to addresses[i]:ports[i] (IPv4, host order). Returns how many went out
/// (possibly fewer), or -1 with errno.
int ppp_udp_send_batch(int fd, const uint8_t *base, size_t slot_size, unsigned n, const size_t *lengths,
                       const uint32_t *addresses, const uint16_t *ports);
