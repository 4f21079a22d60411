// cshim, AF_PACKET part: raw Ethernet sockets for PPPoE (RFC 2516's two
// ETHER_TYPEs), bound to one interface, and batched send with sendmmsg
// (receive: ppp_recv_batch in batch.h) so a busy access concentrator makes
// one system call per batch rather than per frame. Kept apart from cshim.h so each can grow alone.
#pragma once
#include <stddef.h>
#include <stdint.h>

/// The most frames one batch call moves.
#define PPP_PACKET_BATCH_MAX 64

/// socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, htons(ethertype)),
/// bound to `ifname`, so it sees only that interface and that ETHER_TYPE.
/// Fills the interface's MAC address, index and MTU. Needs CAP_NET_RAW.
/// Returns the fd, or -1 with errno (ENODEV for an unknown interface).
int ppp_packet_open(const char *ifname, uint16_t ethertype, uint8_t mac[6], int *ifindex, int *mtu);

/// What a bound packet socket (one from ppp_packet_open, e.g. back from the
/// fd store) is bound to: getsockname for the ifindex and MAC, SIOCGIFMTU for
/// the MTU. Returns 0, or -1 with errno.
int ppp_packet_info(int fd, uint8_t mac[6], int *ifindex, int *mtu);

/// The interface's current MTU (SIOCGIFMTU), or -1 with errno.
int ppp_interface_mtu(const char *ifname);

/// sendmmsg(2), MSG_DONTWAIT: `n` frames from consecutive slots. Returns how
/// many went out (possibly fewer), or -1 with errno.
int ppp_packet_send_batch(int fd, const uint8_t *base, size_t slot_size, unsigned n, const size_t *lengths);

/// The VLAN-tagged PPPoE frames of `ifname` (issue 13): the kernel takes the
/// outermost 802.1Q/802.1ad tag off every received frame and clears it
/// before delivering to sockets bound to one ETHER_TYPE, so only a socket
/// bound to ETH_P_ALL still sees it, in PACKET_AUXDATA. This opens one with
/// PACKET_AUXDATA on, PACKET_IGNORE_OUTGOING, and a classic BPF filter that
/// keeps only frames that had a tag and whose next ETHER_TYPE is 0x8863,
/// 0x8864 or 0x8100 (QinQ: the inner C-tag is still in the frame). Fills the
/// interface's MAC, index and MTU like ppp_packet_open. Needs CAP_NET_RAW.
int ppp_packet_open_tagged(const char *ifname, uint8_t mac[6], int *ifindex, int *mtu);

/// Attaches a BPF filter to a socket from ppp_packet_open that drops
/// PACKET_OTHERHOST frames: a tagged frame reaches an ETHER_TYPE-bound socket
/// with its tag cleared and marked OTHERHOST, and must not pass for an
/// untagged one (nor must unicast to another station). Returns 0 or -1.
int ppp_packet_drop_otherhost(int fd);
