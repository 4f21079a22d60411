import Testing

@Test func placeholderPPP() { #expect(true) }
