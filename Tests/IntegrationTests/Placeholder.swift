import Testing

@Test func placeholderIntegration() { #expect(true) }
