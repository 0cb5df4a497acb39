import Foundation

/// Times as message-board exports write them, in China Standard Time:
/// `2019/4/25 9:32:09`, `2017-06-08 17:31:20`, with or without seconds.
public enum BoardTimestamp {
    public static func parse(_ raw: String) -> Date? {
        let parts = raw.trimmed().split(separator: " ", omittingEmptySubsequences: true)
        guard let datePart = parts.first else { return nil }
        let ymd = datePart.split(whereSeparator: { $0 == "/" || $0 == "-" }).compactMap { Int($0) }
        guard ymd.count == 3, let date = CivilDate(year: ymd[0], month: ymd[1], day: ymd[2]) else { return nil }
        var seconds = 0
        if parts.count > 1 {
            let hms = parts[1].split(separator: ":").map { Int($0) }
            guard (2...3).contains(hms.count), hms.allSatisfy({ $0 != nil }) else { return nil }
            let h = hms[0]!, m = hms[1]!, s = hms.count == 3 ? hms[2]! : 0
            guard (0..<24).contains(h), (0..<60).contains(m), (0..<61).contains(s) else { return nil }
            seconds = h * 3600 + m * 60 + s
        }
        let epoch = date.dayNumber * 86_400 + seconds - CivilDate.chinaStandardTimeOffset
        return Date(timeIntervalSince1970: TimeInterval(epoch))
    }
}
