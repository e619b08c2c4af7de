import Testing

@testable import PacSpaceCore

@Suite struct ScopeTests {
    /// 2026-11-29T12:00:00.000Z
    static let now = Timestamp.parse("2026-11-29T12:00:00.000Z") ?? .min
    static func resolve(_ fields: Scope.Fields, maxDays: Int = 366) throws(Scope.Failure) -> Scope {
        try Scope.resolve(fields, now: now, maxDays: maxDays)
    }
    static func at(_ text: String) -> Int64 { Timestamp.parse(text) ?? .min }

    @Test func resolvesEachForm() throws {
        #expect(try Self.resolve(.init()) == .allTime)
        #expect(
            try Self.resolve(.init(period: "2026-02"))
                == .window(start: Self.at("2026-02-01T00:00:00.000Z"), end: Self.at("2026-03-01T00:00:00.000Z"))
        )
        #expect(
            try Self.resolve(.init(period: "2025-12"))
                == .window(start: Self.at("2025-12-01T00:00:00.000Z"), end: Self.at("2026-01-01T00:00:00.000Z"))
        )
        #expect(
            try Self.resolve(.init(timePreset: "current_month"))
                == .window(start: Self.at("2026-11-01T00:00:00.000Z"), end: Self.at("2026-12-01T00:00:00.000Z"))
        )
        #expect(
            try Self.resolve(.init(timePreset: "custom", startDate: "2026-09-01T00:00:00Z", endDate: "2026-12-01T00:00:00Z"))
                == .window(start: Self.at("2026-09-01T00:00:00.000Z"), end: Self.at("2026-12-01T00:00:00.000Z"))
        )
        #expect(
            try Self.resolve(.init(startDate: "2026-11-01", endDate: "2026-11-02T01:30:00.5+01:00"))
                == .window(start: Self.at("2026-11-01T00:00:00.000Z"), end: Self.at("2026-11-02T00:30:00.500Z"))
        )
        #expect(try Self.resolve(.init(startingCheckpoint: "rec_abc")) == .after(kind: .recordId, id: "rec_abc"))
        #expect(try Self.resolve(.init(startingCheckpoint: "0xab", startingCheckpointType: "proofRoot")) == .after(kind: .proofRoot, id: "0xab"))
    }

    /// The SDK's `_validate_scope_mode` rules, one by one.
    @Test(arguments: [
        Scope.Fields(period: "2026-10", startingCheckpoint: "rec_x"),
        Scope.Fields(timePreset: "current_month", startingCheckpoint: "rec_x"),
        Scope.Fields(startDate: "2026-10-01", endDate: "2026-10-02", startingCheckpoint: "rec_x"),
        Scope.Fields(period: "2026-10", timePreset: "current_month"),
        Scope.Fields(period: "2026-10", startDate: "2026-10-01", endDate: "2026-10-02"),
        Scope.Fields(timePreset: "current_month", startDate: "2026-10-01", endDate: "2026-10-02"),
        Scope.Fields(timePreset: "custom", startDate: "2026-10-01"),
        Scope.Fields(startDate: "2026-10-01"),
        Scope.Fields(endDate: "2026-10-01"),
        Scope.Fields(startingCheckpointType: "recordId"),
    ])
    func refusesCombinations(fields: Scope.Fields) {
        #expect {
            try Self.resolve(fields)
        } throws: { error in
            if case .combination = error as? Scope.Failure { return true }
            return false
        }
    }

    @Test func refusesBadValues() {
        let cases: [(Scope.Fields, String)] = [
            (.init(period: "2026-13"), "period"), (.init(period: "26-01"), "period"), (.init(period: "2027-01"), "period"),
            (.init(timePreset: "last_week"), "timePreset"),
            (.init(startDate: "yesterday", endDate: "2026-10-02"), "startDate"),
            (.init(startDate: "2026-10-02", endDate: "2026-10-01"), "endDate"),
            (.init(startDate: "2027-01-01", endDate: "2027-02-01"), "startDate"),
            (.init(startingCheckpoint: "rec_x", startingCheckpointType: "hash"), "startingCheckpointType"),
        ]
        for (fields, field) in cases {
            #expect(throws: Scope.Failure.self, "\(fields)") { try Self.resolve(fields) }
            do { _ = try Self.resolve(fields) } catch {
                guard case .invalid(let name, _) = error else {
                    Issue.record("\(fields): \(error)")
                    continue
                }
                #expect(name == field)
            }
        }
        #expect(throws: Scope.Failure.tooWide("The window is longer than the maximum of 31 days (GET /api/v1/balance/limits).")) {
            try Self.resolve(.init(startDate: "2026-01-01", endDate: "2026-03-01"), maxDays: 31)
        }
    }

    /// The months at the ends of four-digit years (9999-12's end is year 10000, which
    /// force-unwrapped a formatter; issue 11), and malformed months.
    @Test func monthsAtTheEdgesOfTheCalendar() throws {
        #expect(throws: Scope.Failure.self) { try Self.resolve(.init(period: "9999-12")) }
        let december = try #require(Scope.month("9999-12"))
        #expect(december.0 == Self.at("9999-12-01T00:00:00.000Z"))
        #expect(december.1 - december.0 == 31 * 86_400_000)
        #expect(try Self.resolve(.init(period: "0000-01")) == .window(start: -62_167_219_200_000, end: -62_164_540_800_000))
        for bad in ["0000-00", "2026-13", "99999-1", "-001-01", "2026-1", "2026_01", "２０２６-01", "2026-01\u{0}", ""] {
            #expect(Scope.month(bad) == nil, "\(bad)")
        }
        #expect(throws: Scope.Failure.self) { try Self.resolve(.init(startDate: "2026-01-01T00:00:00+99:99", endDate: "2026-01-02")) }
        #expect(throws: Scope.Failure.self) { try Self.resolve(.init(startDate: "2026-01-01T00:00:00+-1:00", endDate: "2026-01-02")) }
        #expect(throws: Scope.Failure.self) {
            try Self.resolve(.init(startDate: "9999-12-31T23:59:59.999Z", endDate: "9999-12-31T23:59:59.999-23:59"))
        }
        // A maximum width too large to multiply is no width limit, not a trap.
        #expect(try Self.resolve(.init(startDate: "2026-01-01", endDate: "2026-02-01"), maxDays: .max) != .allTime)
    }
}
