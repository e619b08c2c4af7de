/// The part of a customer's history a derive, compare, checkpoint or receipt covers
/// (docs/api.md §5), resolved from the request's scope fields.
public enum Scope: Sendable, Equatable {
    /// Every VERIFIED delta.
    case allTime
    /// Deltas accepted in `[start, end)` (epoch milliseconds, UTC).
    case window(start: Int64, end: Int64)
    /// Deltas after a checkpoint: a checkpoint's `proofRoot`, or a delta's `recordId`.
    case after(kind: CheckpointKind, id: String)

    public enum CheckpointKind: String, Sendable {
        case proofRoot
        case recordId
    }

    /// The scope fields as sent (query parameters or body members).
    public struct Fields: Sendable, Equatable {
        public var period: String?
        public var timePreset: String?
        public var startDate: String?
        public var endDate: String?
        public var startingCheckpoint: String?
        public var startingCheckpointType: String?

        public init(
            period: String? = nil,
            timePreset: String? = nil,
            startDate: String? = nil,
            endDate: String? = nil,
            startingCheckpoint: String? = nil,
            startingCheckpointType: String? = nil
        ) {
            self.period = period
            self.timePreset = timePreset
            self.startDate = startDate
            self.endDate = endDate
            self.startingCheckpoint = startingCheckpoint
            self.startingCheckpointType = startingCheckpointType
        }
    }

    /// Why scope fields were refused.
    public enum Failure: Error, Equatable, Sendable {
        /// Fields that may not be combined (`INVALID_SCOPE_COMBINATION`).
        case combination(String)
        /// A field with a bad value (`VALIDATION_ERROR`).
        case invalid(field: String, message: String)
        /// A window longer than the configured maximum (`SCOPE_TOO_WIDE`).
        case tooWide(String)
    }

    /// Resolves `fields` at instant `now` with the rules of the SDK's `_validate_scope_mode`,
    /// plus: no future periods or windows, no reversed windows, at most `maxDays` days.
    public static func resolve(_ fields: Fields, now: Int64, maxDays: Int) throws(Failure) -> Scope {
        let timeFields = [fields.period, fields.timePreset, fields.startDate, fields.endDate]
        if let checkpoint = fields.startingCheckpoint {
            guard timeFields.allSatisfy({ $0 == nil }) else {
                throw .combination("startingCheckpoint cannot be combined with period, timePreset, startDate, or endDate.")
            }
            return .after(kind: try checkpointKind(checkpoint, fields.startingCheckpointType), id: checkpoint)
        }
        if fields.startingCheckpointType != nil {
            throw .combination("startingCheckpointType needs startingCheckpoint.")
        }
        if let period = fields.period {
            guard fields.timePreset == nil, fields.startDate == nil, fields.endDate == nil else {
                throw .combination("period cannot be combined with timePreset, startDate, or endDate.")
            }
            guard let (start, end) = month(period) else {
                throw .invalid(field: "period", message: "period must be a month written YYYY-MM, e.g. 2026-11.")
            }
            guard start <= now else { throw .invalid(field: "period", message: "period \(period) is in the future.") }
            return .window(start: start, end: end)
        }
        switch fields.timePreset {
        case "current_month"?:
            guard fields.startDate == nil, fields.endDate == nil else {
                throw .combination("startDate/endDate can only be used when timePreset is 'custom' or omitted.")
            }
            let (year, month, _) = Timestamp.civil(fromDays: floorDivide(now, 86_400_000))
            let (start, end) = Self.month(year: year, month: month)
            return .window(start: start, end: end)
        case "custom"?:
            guard fields.startDate != nil, fields.endDate != nil else {
                throw .combination("timePreset='custom' requires both startDate and endDate.")
            }
        case nil:
            guard (fields.startDate == nil) == (fields.endDate == nil) else {
                throw .combination("startDate and endDate must be provided together.")
            }
            if fields.startDate == nil { return .allTime }
        case let other?:
            throw .invalid(field: "timePreset", message: "timePreset must be current_month or custom, not \(other).")
        }
        guard let startText = fields.startDate, let start = instant(startText) else {
            throw .invalid(field: "startDate", message: "startDate must be an ISO 8601 date or UTC time, e.g. 2026-11-01 or 2026-11-01T00:00:00Z.")
        }
        guard let endText = fields.endDate, let end = instant(endText) else {
            throw .invalid(field: "endDate", message: "endDate must be an ISO 8601 date or UTC time, e.g. 2026-12-01 or 2026-12-01T00:00:00Z.")
        }
        guard end > start else { throw .invalid(field: "endDate", message: "endDate must be after startDate (the window is [startDate, endDate)).") }
        guard start <= now else { throw .invalid(field: "startDate", message: "startDate is in the future.") }
        let (widest, overflow) = Int64(maxDays).multipliedReportingOverflow(by: 86_400_000)
        guard overflow || end - start <= widest else {
            throw .tooWide("The window is longer than the maximum of \(maxDays) days (GET /api/v1/balance/limits).")
        }
        return .window(start: start, end: end)
    }

    private static func checkpointKind(_ id: String, _ type: String?) throws(Failure) -> CheckpointKind {
        switch type {
        case nil: return id.hasPrefix("rec_") ? .recordId : .proofRoot
        case let text?:
            guard let kind = CheckpointKind(rawValue: text) else {
                throw .invalid(field: "startingCheckpointType", message: "startingCheckpointType must be proofRoot or recordId.")
            }
            return kind
        }
    }

    /// `[first instant, first instant of the next month)` of `YYYY-MM` (years 0000…9999;
    /// the end of 9999-12 is the first instant of year 10000, still a plain Int64).
    static func month(_ text: String) -> (Int64, Int64)? {
        let bytes = Array(text.utf8)
        guard bytes.count == 7, bytes[4] == UInt8(ascii: "-"),
            bytes.enumerated().allSatisfy({ $0.offset == 4 || ($0.element >= UInt8(ascii: "0") && $0.element <= UInt8(ascii: "9")) }),
            let year = Int64(String(decoding: bytes[0..<4], as: UTF8.self)), let month = Int64(String(decoding: bytes[5..<7], as: UTF8.self)),
            (1...12).contains(month)
        else { return nil }
        return Self.month(year: year, month: month)
    }

    static func month(year: Int64, month: Int64) -> (Int64, Int64) {
        let next = month == 12 ? (year + 1, Int64(1)) : (year, month + 1)
        return (Timestamp.days(year: year, month: month, day: 1) * 86_400_000, Timestamp.days(year: next.0, month: next.1, day: 1) * 86_400_000)
    }

    /// `YYYY-MM-DD` (midnight UTC) or an ISO 8601 time with `Z` or a numeric offset,
    /// with or without fractional seconds (milliseconds kept).
    public static func instant(_ text: String) -> Int64? {
        if text.count == 10 { return Timestamp.parse(text + "T00:00:00.000Z") }
        guard text.count >= 20, text.dropFirst(10).first == "T" else { return nil }
        var body = Substring(text)
        var offsetMillis: Int64 = 0
        if body.hasSuffix("Z") {
            body = body.dropLast()
        } else {
            let zone = body.suffix(6)
            guard zone.count == 6, zone.first == "+" || zone.first == "-", zone.dropFirst(3).first == ":",
                zone.dropFirst().prefix(2).allSatisfy({ $0.isASCII && $0.isNumber }), zone.suffix(2).allSatisfy({ $0.isASCII && $0.isNumber }),
                let hours = Int64(zone.dropFirst().prefix(2)), let minutes = Int64(zone.suffix(2)), hours < 24, minutes < 60
            else { return nil }
            offsetMillis = (hours * 60 + minutes) * 60_000 * (zone.first == "+" ? 1 : -1)
            body = body.dropLast(6)
        }
        guard body.count >= 19 else { return nil }
        var fraction = "000"
        if body.count > 19 {
            guard body.dropFirst(19).first == ".", body.count >= 21 else { return nil }
            let digits = body.dropFirst(20)
            guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
            fraction = String((digits + "00").prefix(3))
        }
        guard let local = Timestamp.parse(String(body.prefix(19)) + "." + fraction + "Z") else { return nil }
        return local - offsetMillis
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }
}
