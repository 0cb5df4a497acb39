/// The file types an applicant may upload, recognised by their first bytes rather than
/// by the name or the declared type, which the client controls.
public enum AttachmentType: String, Sendable, Codable, CaseIterable {
    case pdf, jpeg, png, ofd

    /// Extensions a file of this type may carry, the usual one first.
    public var extensions: [String] {
        switch self {
        case .pdf: ["pdf"]
        case .jpeg: ["jpg", "jpeg"]
        case .png: ["png"]
        case .ofd: ["ofd"]
        }
    }

    public var contentType: String {
        switch self {
        case .pdf: "application/pdf"
        case .jpeg: "image/jpeg"
        case .png: "image/png"
        case .ofd: "application/ofd"
        }
    }
}

public enum AttachmentPolicy {
    public static let maxBytes = 10 << 20

    /// OFD (GB/T 33190) is a ZIP package with `OFD.xml` at its root, so a ZIP counts as OFD only
    /// when the file says it is one and `zipEntries` (the archive's entry paths, nil when it is
    /// no readable ZIP) lists that file: any other ZIP, or bytes that only start like one, are refused.
    public static func sniff(_ bytes: [UInt8], fileName: String, declaredType: String?,
                             zipEntries: ([UInt8]) -> [String]?) -> AttachmentType? {
        func starts(_ prefix: [UInt8]) -> Bool { bytes.count >= prefix.count && Array(bytes.prefix(prefix.count)) == prefix }
        if starts(Array("%PDF-".utf8)) { return .pdf }
        if starts([0xFF, 0xD8, 0xFF]) { return .jpeg }
        if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return .png }
        if starts([0x50, 0x4B, 0x03, 0x04]),
           fileName.lowercased().hasSuffix(".ofd") || declaredType?.lowercased().hasPrefix("application/ofd") == true,
           zipEntries(bytes)?.contains(ofdRootEntry) == true {
            return .ofd
        }
        return nil
    }

    /// The entry every OFD package holds at its root: the document's entry point.
    public static let ofdRootEntry = "OFD.xml"

    /// Longest file name kept; a longer one is shortened before its extension.
    public static let fileNameLimit = 120

    /// The name a file of `type` is kept under: `cleanFileName`, its extension made one of the
    /// type's, since whoever downloads it later opens it by the name (`x.html` holding a PDF is `x.pdf`).
    public static func storedFileName(_ raw: String, type: AttachmentType) -> String {
        let cleaned = cleanFileName(raw)
        let dot = cleaned.lastIndex(of: ".")
        if let dot, type.extensions.contains(cleaned[cleaned.index(after: dot)...].lowercased()) { return cleaned }
        let stem = dot.map { String(cleaned[..<$0]) }.flatMap { $0.isEmpty ? nil : $0 } ?? cleaned
        return cleanFileName("\(stem).\(type.extensions[0])")
    }

    /// A file name safe to show and to put in a Content-Disposition header.
    public static func cleanFileName(_ raw: String) -> String {
        let base = raw.split(whereSeparator: { $0 == "/" || $0 == "\\" }).last.map(String.init) ?? ""
        let cleaned = base.filter { !$0.isNewline && $0 != "\"" && !($0.asciiValue.map { $0 < 0x20 } ?? false) }
        if cleaned.isEmpty { return "attachment" }
        guard cleaned.count > fileNameLimit else { return cleaned }
        let dot = cleaned.lastIndex(of: ".")
        let ext = dot.map { String(cleaned[$0...]) }.flatMap { $0.count <= 10 ? $0 : nil } ?? ""
        return String(cleaned.prefix(fileNameLimit - ext.count - 1)) + "…" + ext
    }
}
