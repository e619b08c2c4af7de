/// Instants as milliseconds since the Unix epoch (UTC), formatted as ISO 8601 with
/// milliseconds: `2025-06-01T12:00:05.000Z`.
public enum Timestamp {
    /// ISO 8601 UTC text with milliseconds for `millis` since the epoch.
    /// A time in POSIX seconds (a cosignature's) as ISO 8601; one past what milliseconds
    /// hold (a witness may sign any 64-bit time) as its seconds.
    public static func iso8601(posixSeconds seconds: UInt64) -> String {
        seconds <= UInt64(Int64.max / 1000) ? iso8601(millis: Int64(seconds) * 1000) : "\(seconds) s after 1970"
    }

    public static func iso8601(millis: Int64) -> String {
        let (days, msOfDay) = floorDivide(millis, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let hours = msOfDay / 3_600_000
        let minutes = msOfDay / 60_000 % 60
        let seconds = msOfDay / 1000 % 60
        let ms = msOfDay % 1000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hours, 2)):\(pad(minutes, 2)):\(pad(seconds, 2)).\(pad(ms, 3))Z"
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> (Int64, Int64) {
        let q = a / b
        let r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar).
    static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days since the epoch of a proleptic Gregorian date (Howard Hinnant's days from
    /// civil, the inverse of ``civil(fromDays:)``). Callers pass a four-digit year (or
    /// 10000, the end of 9999-12), a month 1…12 and a day 1…31: every step stays far
    /// inside Int64.
    static func days(year: Int64, month: Int64, day: Int64) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// Parses exactly the form ``iso8601(millis:)`` writes; nil for anything else, so
    /// that one instant has one spelling (content hashes depend on it).
    public static func parse(_ text: String) -> Int64? {
        let chars = Array(text.utf8)
        guard chars.count == 24, chars[4] == UInt8(ascii: "-"), chars[7] == UInt8(ascii: "-"), chars[10] == UInt8(ascii: "T"),
            chars[13] == UInt8(ascii: ":"), chars[16] == UInt8(ascii: ":"), chars[19] == UInt8(ascii: "."), chars[23] == UInt8(ascii: "Z")
        else {
            return nil
        }
        func number(_ range: Range<Int>) -> Int64? {
            var value: Int64 = 0
            for index in range {
                guard chars[index] >= UInt8(ascii: "0"), chars[index] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int64(chars[index] - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
            let minute = number(14..<16), let second = number(17..<19), let ms = number(20..<23),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 60
        else { return nil }
        let millis = days(year: year, month: month, day: day) * 86_400_000 + ((hour * 60 + minute) * 60 + second) * 1000 + ms
        return iso8601(millis: millis) == text ? millis : nil
    }
}
