// cshim, the linkd–ncpd mux (issue 13 point 1): one recvmmsg reads many
// sessions' frames from the one SEQPACKET socket they share.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// recvmmsg(2), MSG_DONTWAIT: up to `n` datagrams (at most 64), the i-th
/// into `room` octets at base + i * stride. lengths[i] gets its length; 0 is
/// the end of file (SEQPACKET: the other end closed), (size_t)-1 a datagram
/// longer than `room` (MSG_TRUNC: the caller drops it). Returns the number
/// of datagrams, or -1 with errno (EAGAIN: none waiting).
int ppp_mux_recv(int fd, uint8_t *base, size_t stride, size_t room, unsigned n, size_t *lengths);
