import CQREncode
import Foundation

/// QR codes drawn by libqrencode and written out as SVG, so pages and prints embed them
/// without scripts or image files.
public enum QRCodeSVG {
    public enum Failure: Error { case tooLong }

    /// The module matrix: `modules[y][x]` is true for a dark module.
    public static func modules(_ text: String) throws -> [[Bool]] {
        guard let code = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1) else { throw Failure.tooLong }
        defer { QRcode_free(code) }
        let width = Int(code.pointee.width)
        let data = code.pointee.data!
        return (0..<width).map { y in (0..<width).map { x in data[y * width + x] & 1 == 1 } }
    }

    /// One path of unit squares inside a four-module quiet zone, scaled by the viewer.
    public static func svg(_ text: String, title: String) throws -> String {
        let matrix = try modules(text)
        let size = matrix.count + 8
        var path = ""
        for (y, row) in matrix.enumerated() {
            for (x, dark) in row.enumerated() where dark { path += "M\(x + 4) \(y + 4)h1v1h-1z" }
        }
        let escapedTitle = title.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
        return """
            <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(size) \(size)" shape-rendering="crispEdges" role="img" class="qr">\
            <title>\(escapedTitle)</title><rect width="\(size)" height="\(size)" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }
}
