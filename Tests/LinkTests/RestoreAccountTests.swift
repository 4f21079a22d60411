// linkd's check of the fd store's restore (RestoreAccount.swift, issue 13):
// all back, one deposit short, descriptors short, no count from pppinit.
import IPC
import Testing
@testable import linkd

@Suite struct RestoreAccountTests {
    @Test func everythingCameBack() {
        var a = RestoreAccount(expected: (deposits: 4, descriptors: 5), received: (deposits: 4, descriptors: 5))
        #expect(a.missingDeposits == 0 && a.missingDescriptors == 0 && a.shortfall == nil)
        #expect(a.summary == nil)
        a.sessionsResumed = 3
        #expect(a.summary == "3 session(s) resumed from the fd store, 0 dropped, 0 deposit(s) missing")
        #expect(a.json["expected_deposits"] == .int(4) && a.json["missing_deposits"] == .int(0))
    }

    @Test func oneDepositShortIsAnErrorWithTheNumbers() {
        let a = RestoreAccount(expected: (deposits: 6001, descriptors: 6002), received: (deposits: 6000, descriptors: 6001))
        #expect(a.missingDeposits == 1 && a.missingDescriptors == 1)
        #expect(a.shortfall == "fd store restore short: 6000 of 6001 deposits, 6001 of 6002 descriptors came back; up to 1 session(s) cannot be resumed (their peers and ncpd still hold them)")
        #expect(a.summary == "0 session(s) resumed from the fd store, 0 dropped, 1 deposit(s) missing")
        #expect(a.json["missing_deposits"] == .int(1) && a.json["received_deposits"] == .int(6000))
    }

    @Test func descriptorsShortWithEveryDeposit() {
        let a = RestoreAccount(expected: (deposits: 2, descriptors: 3), received: (deposits: 2, descriptors: 1))
        #expect(a.missingDeposits == 0 && a.missingDescriptors == 2 && a.shortfall != nil)
    }

    @Test func moreThanExpectedIsNotAShortfall() {
        let a = RestoreAccount(expected: (deposits: 1, descriptors: 1), received: (deposits: 2, descriptors: 2))
        #expect(a.missingDeposits == 0 && a.shortfall == nil)
    }

    @Test func noCountFromAnOlderPPPinit() {
        let a = RestoreAccount(expected: nil, received: (deposits: 5, descriptors: 5))
        #expect(a.missingDeposits == 0 && a.shortfall == nil && a.json["expected_deposits"] == nil)
    }
}
