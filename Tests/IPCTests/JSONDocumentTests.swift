// The versioned envelope of pppctl's --json documents and the stamp pppinit
// puts on events (issue 19): written in the documented order, read back,
// and refused when a part is missing or of another type.
import IPC
import Testing

@Suite struct JSONDocumentTests {
    @Test func envelopeWritesVersionFirstAndReadsBack() throws {
        let d = JSONDocument(kind: "sessions", data: .array([.object(["id": "a:1"])]))
        let text = d.json.encoded()
        #expect(text == #"{"version":1,"kind":"sessions","data":[{"id":"a:1"}]}"#)
        #expect(JSONDocument(json: try JSON.parse(text)) == d)
    }

    @Test(arguments: [
        #"{"kind":"sessions","data":[]}"#,          // no version
        #"{"version":"1","kind":"x","data":1}"#,   // version of another type
        #"{"version":1,"data":[]}"#,                // no kind
        #"{"version":1,"kind":"x"}"#,               // no data
        #"[1]"#,
    ])
    func envelopeRefusesAnIncompleteDocument(_ text: String) throws {
        #expect(JSONDocument(json: try JSON.parse(text)) == nil)
    }

    @Test func documentKindsAreTheCommandWords() {
        #expect(ControlCommand.sessionShow.documentKind == "session-show")
        #expect(ControlCommand.logLevel.documentKind == "log-level")
        #expect(ControlCommand.authTest.documentKind == "auth-test")
        #expect(ControlCommand.sessions.documentKind == "sessions")
        // One schema file per kind: no two commands may share one.
        #expect(Set(ControlCommand.allCases.map(\.documentKind)).count == ControlCommand.allCases.count)
    }

    @Test func stampedEventPutsVersionSeqAndTimeFirst() throws {
        let e = Event(.sessionDown(session: "a:1", port: "a", reason: "stop"), component: ComponentName("linkd@a"),
                      stamp: EventStamp(seq: 7, time: "2026-12-05T01:02:03.004Z"))
        let text = JSON.object(e.json).encoded()
        #expect(text == #"{"version":1,"seq":7,"time":"2026-12-05T01:02:03.004Z","event":"session-down","component":"linkd@a","session":"a:1","port":"a","reason":"stop"}"#)
        #expect(Event(json: try #require(try JSON.parse(text).object)) == e)
    }

    @Test func unstampedEventHasNoStampAndABadStampIsNone() throws {
        let plain = #"{"event":"session-down","session":"a:1","port":"a","reason":"x"}"#
        #expect(Event(json: try #require(try JSON.parse(plain).object))?.stamp == nil)
        // A seq of 0 or of another type is no stamp; the event itself still reads.
        for bad in [#"{"seq":0,"time":"t","event":"session-down","session":"a:1","port":"a","reason":"x"}"#,
                    #"{"seq":"1","time":"t","event":"session-down","session":"a:1","port":"a","reason":"x"}"#] {
            let e = Event(json: try #require(try JSON.parse(bad).object))
            #expect(e != nil && e?.stamp == nil)
        }
    }
}
