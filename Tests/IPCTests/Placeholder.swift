import Testing

@Test func placeholderIPC() { #expect(true) }
