# A hostile local user against pppinit's control socket and the daemons'
# rendezvous points (issue 15). Run by Tests/IntegrationTests/HostileIPCTests
# as an unprivileged uid (setpriv); every mode ends by itself.
#   nonsocket KIND CONTROL       pass a pipe end, an eventfd or a UDP socket as a conversation
#   udp N CONTROL                pass N unconnected UDP sockets as conversations, then exit
#   hold N CONTROL SECONDS       open N conversations, call once on each, hold them SECONDS
#   flood CONTROL                call without ever reading replies until pppinit hangs up
#   junk N PATH                  send N undecodable datagrams to PATH
#   idle CONTROL                 open a conversation, call once, then wait silently for the hang-up
import os, socket, struct, sys, time

MAGIC, VERSION = 0x5052, 1
CONTROL_OPENED, COMPONENTS_LISTED = 20, 21
BUSY, END, ERROR = 0x08, 0x02, 0x10

def message(type_, call_id=0, payload=b"", flags=0):
    return struct.pack(">HBBHHII", MAGIC, VERSION, flags, type_, 0, call_id, len(payload)) + payload

def open_with(control, fd):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    rights = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, struct.pack("i", fd))]
    s.sendmsg([message(CONTROL_OPENED, payload=bytes([1]))], rights, 0, control)
    s.close()

def out(*words):
    print(*words, flush=True)

mode = sys.argv[1]
if mode == "nonsocket":
    kind, control = sys.argv[2], sys.argv[3]
    if kind == "pipe":
        r, w = os.pipe()
        open_with(control, r)
        os.write(w, b"readable forever")
    elif kind == "eventfd":
        e = os.eventfd(1)
        open_with(control, e)
    elif kind == "udp":
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        u.bind(("127.0.0.1", 0))
        open_with(control, u.fileno())
        u.sendto(b"x", u.getsockname())
    out("sent", kind)
    time.sleep(1)
elif mode == "udp":
    n, control = int(sys.argv[2]), sys.argv[3]
    held = []
    for _ in range(n):
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        open_with(control, u.fileno())
        held.append(u)
    out("sent", n)
elif mode == "hold":
    n, control, seconds = int(sys.argv[2]), sys.argv[3], float(sys.argv[4])
    admitted = refused = silent = 0
    held = []
    for i in range(n):
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        open_with(control, theirs.fileno())
        theirs.close()
        ours.settimeout(10)
        try:
            try:
                ours.send(message(COMPONENTS_LISTED, call_id=1))
            except OSError:
                pass  # refused and closed already: its BUSY reply is waiting
            reply = ours.recv(65536)
            flags = reply[3] if len(reply) >= 16 else 0
            if flags & BUSY:
                refused += 1
            elif reply:
                admitted += 1
                held.append(ours)
            else:
                refused += 1
        except OSError:
            silent += 1
    out("admitted", admitted, "refused", refused, "silent", silent)
    time.sleep(seconds)
elif mode == "flood":
    control = sys.argv[2]
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    open_with(control, theirs.fileno())
    theirs.close()
    ours.settimeout(20)
    sent, how = 0, "limit"
    while sent < 1_000_000:
        try:
            ours.send(message(COMPONENTS_LISTED, call_id=sent % 0xFFFF + 1))
        except (BrokenPipeError, ConnectionResetError):
            how = "closed"
            break
        except OSError as e:
            how = "error " + str(e)
            break
        sent += 1
    out("sent", sent, how)
elif mode == "idle":
    control = sys.argv[2]
    ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    open_with(control, theirs.fileno())
    theirs.close()
    ours.settimeout(300)
    ours.send(message(COMPONENTS_LISTED, call_id=1))
    while True:
        try:
            part = ours.recv(65536)
        except TimeoutError:
            out("still open")
            break
        except OSError as e:
            out("closed", e)
            break
        if not part:
            out("closed")
            break
elif mode == "junk":
    n, path = int(sys.argv[2]), sys.argv[3]
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    for i in range(n):
        kind = i % 4
        if kind == 0:
            dg = os.urandom(1 + i % 64)
        elif kind == 1:
            dg = message(9999, call_id=i)
        elif kind == 2:
            dg = message(CONTROL_OPENED, payload=bytes([1]))[:10]
        else:
            dg = message(COMPONENTS_LISTED, call_id=i) + b"trailing"
        s.sendto(dg, path)
    out("sent", n)
