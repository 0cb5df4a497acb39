import Foundation

/// Just enough of RFC 7578 multipart/form-data for the no-JavaScript upload form.
enum Multipart {
    struct Part {
        var name: String
        var fileName: String?
        var contentType: String?
        var data: [UInt8]
    }

    static func boundary(of contentType: String) -> String? {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else { return nil }
        for parameter in contentType.split(separator: ";").dropFirst() {
            let pair = parameter.trimmed().split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == "boundary" {
                return String(pair[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    /// Nil when the body is not well-formed multipart with this boundary.
    static func parse(_ body: [UInt8], boundary: String) -> [Part]? {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [Part] = []
        guard var start = find(delimiter, in: body, from: 0) else { return nil }
        start += delimiter.count
        while true {
            // "--" after a delimiter closes the body.
            if body.count >= start + 2, body[start] == 0x2D, body[start + 1] == 0x2D { return parts }
            guard let headerStart = find([0x0D, 0x0A], in: body, from: start).map({ $0 + 2 }),
                  let headerEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: headerStart),
                  let next = find([0x0D, 0x0A] + delimiter, in: body, from: headerEnd + 4) else { return nil }
            let headers = String(decoding: body[headerStart..<headerEnd], as: UTF8.self)
            var part = Part(name: "", fileName: nil, contentType: nil, data: Array(body[(headerEnd + 4)..<next]))
            for line in headers.components(separatedBy: "\r\n") {
                let lower = line.lowercased()
                if lower.hasPrefix("content-disposition:") {
                    part.name = parameter("name", in: line) ?? ""
                    part.fileName = parameter("filename", in: line)
                } else if lower.hasPrefix("content-type:") {
                    part.contentType = line.dropFirst("content-type:".count).trimmed()
                }
            }
            parts.append(part)
            start = next + 2 + delimiter.count
        }
    }

    private static func parameter(_ name: String, in line: String) -> String? {
        for piece in line.split(separator: ";") {
            let pair = piece.trimmed().split(separator: "=", maxSplits: 1)
            if pair.count == 2, pair[0].lowercased() == name {
                return String(pair[1]).trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
        }
        return nil
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard !needle.isEmpty, haystack.count >= needle.count, from <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var i = from
        while i <= haystack.count - needle.count {
            if haystack[i] == first, haystack[i..<(i + needle.count)].elementsEqual(needle) { return i }
            i += 1
        }
        return nil
    }
}
