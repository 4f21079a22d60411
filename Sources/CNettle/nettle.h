// The nettle primitives authd needs (Debian nettle-dev): MD4 and DES for
// MS-CHAPv2 (swift-crypto has neither), MD5 for CHAP and EAP-MD5, SHA-1 for
// MS-CHAPv2's challenge and authenticator hashes.
#include <nettle/md4.h>
#include <nettle/md5.h>
#include <nettle/sha1.h>
#include <nettle/des.h>
