// The linkd–ncpd mux's counters (issue 13; IPC MuxEndpoint) as named
// families: each end counts for itself, so every family is labelled with
// the daemon that counted ("linkd" or "ncpd") and the port whose mux it is.
// Read from linkd's `status` "mux" (one object) and ncpd's (one object per
// port); a port without a mux yet (no session has needed it) has none.
import IPC

extension Snapshot {
    /// (daemon, port, counters) of every mux end the statuses show.
    var muxEnds: [(daemon: String, port: String, counters: JSON)] {
        var out: [(String, String, JSON)] = []
        for p in ports {
            if let m = p.status["mux"], m["frames_in"] != nil { out.append(("linkd", p.name, m)) }
        }
        for (port, m) in statuses["ncpd"]?["mux"]?.object ?? [:] { out.append(("ncpd", port, m)) }
        return out
    }

    func renderMux(_ e: inout Exposition) {
        let ends = muxEnds
        func each(_ key: String, _ extra: Exposition.Labels = []) -> [(Exposition.Labels, Double)] {
            ends.compactMap { end in
                end.counters[key]?.double.map { ([("daemon", end.daemon), ("port", end.port)] + extra, $0) }
            }
        }
        e.family("ppprouter_mux_sessions", .gauge, "Sessions open on the port's linkd-ncpd mux, as each end counts them.",
                 each("sessions"))
        e.family("ppprouter_mux_frames_total", .counter,
                 "Session frames on the linkd-ncpd mux, by the end that counted them and direction (in: received by it).",
                 each("frames_in", [("direction", "in")]) + each("frames_out", [("direction", "out")]))
        e.family("ppprouter_mux_bytes_total", .counter,
                 "Octets of those frames (Protocol field and Information, without the mux handle).",
                 each("bytes_in", [("direction", "in")]) + each("bytes_out", [("direction", "out")]))
        e.family("ppprouter_mux_dropped_frames_total", .counter,
                 "Frames the mux dropped, by reason: unknown_handle (no such session on this end), queue_full (the session's "
                     + "queue of frames waiting for room was full), malformed, gone (the other end had closed), "
                     + "before_start (ncpd: more than it holds for a session whose unit is not up yet).",
                 each("unknown_handle", [("reason", "unknown_handle")]) + each("queue_full", [("reason", "queue_full")])
                     + each("malformed", [("reason", "malformed")]) + each("gone", [("reason", "gone")])
                     + each("dropped_early", [("reason", "before_start")]))
        e.family("ppprouter_mux_queued_frames_total", .counter,
                 "Frames that found the mux socket full and waited in their session's queue.", each("queued"))
        e.family("ppprouter_mux_waiting_frames", .gauge, "Frames waiting in the sessions' queues now.", each("waiting"))
        e.family("ppprouter_mux_queue_high_water_frames", .gauge,
                 "The most frames one session has had waiting at once since the mux was made (at most \(MuxEndpoint.queueLimit) wait; the next is dropped).",
                 each("queue_high_water"))
    }
}
