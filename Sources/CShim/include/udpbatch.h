// cshim, batched datagrams with addresses (issue 21): one unconnected UDP
// socket serving many peers (an l2tp port, RFC 2661 §8.1) reads and writes
// vectors of datagrams with recvmmsg/sendmmsg, each with its IPv4 peer.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// recvmmsg(2), MSG_DONTWAIT: up to `n` messages (at most
/// PPP_PACKET_BATCH_MAX) into consecutive slots of `slot_size` octets at
/// `base`; lengths[i] gets each one's length, or 0 when it was longer than
/// a slot (MSG_TRUNC: the caller drops it); addresses[i] and ports[i] its
/// sender (host order; 0 and 0 when not IPv4). `segments` (may be NULL):
/// on a socket with UDP_GRO, segments[i] gets the UDP_GRO control
/// message's gso_size — message i is then several datagrams of that size
/// back to back, the last possibly shorter — or 0 when it is one datagram.
/// Returns the number of messages, or -1 with errno (EAGAIN: none waiting).
int ppp_udp_recv_batch(int fd, uint8_t *base, size_t slot_size, unsigned n, size_t *lengths,
                       uint32_t *addresses, uint16_t *ports, uint16_t *segments);

/// setsockopt(SOL_UDP, UDP_GRO, on): the kernel may (1) or may not (0) hand
/// this socket runs of one flow's datagrams coalesced into one message
/// (man 7 udp). 0 or -1.
int ppp_udp_set_gro(int fd, int on);

/// The most datagrams one UDP_SEGMENT message carries (the kernel's
/// UDP_MAX_SEGMENTS) and the most payload octets it may hold (an IPv6
/// packet's 65,535 less its 40-octet header and UDP's 8).
#define PPP_UDP_GSO_SEGMENTS_MAX 64
#define PPP_UDP_GSO_OCTETS_MAX 65487

/// What ppp_udp_send_runs did beside the count it returns.
struct ppp_udp_runs {
    /// Slots carried by the messages that went out.
    unsigned slots;
    /// Slots in the first message tried (> 1: it was a UDP_SEGMENT run),
    /// and its segment size; what a failure (-1) refers to.
    unsigned first_slots;
    size_t first_size;
    /// Among the messages that went out: those with UDP_SEGMENT and the
    /// datagrams they carried.
    unsigned gso_messages, gso_segments;
};

/// sendmmsg(2), MSG_DONTWAIT, with UDP GSO (UDP_SEGMENT, man 7 udp): like
/// ppp_udp_send_batch, but each run of consecutive slots to one
/// destination whose lengths are equal (the last may be shorter), of at
/// most `max_segment` octets each (0: no runs) and within the limits
/// above, leaves as ONE message whose iovecs are the run's slots and whose
/// UDP_SEGMENT cmsg is that length; the kernel (or the device) cuts it
/// back into the same datagrams. `addresses`/`ports` NULL: a connected
/// socket. Order is kept. Returns the number of messages that went out
/// (their slots in `runs->slots`), or -1 with errno for the first.
int ppp_udp_send_runs(int fd, const uint8_t *base, size_t slot_size, unsigned n, const size_t *lengths,
                      const uint32_t *addresses, const uint16_t *ports, size_t max_segment,
                      struct ppp_udp_runs *runs);

/// sendmmsg(2), MSG_DONTWAIT: `n` datagrams from consecutive slots, datagram
/// i to addresses[i]:ports[i] (IPv4, host order). Returns how many went out
/// (possibly fewer), or -1 with errno.
int ppp_udp_send_batch(int fd, const uint8_t *base, size_t slot_size, unsigned n, const size_t *lengths,
                       const uint32_t *addresses, const uint16_t *ports);
