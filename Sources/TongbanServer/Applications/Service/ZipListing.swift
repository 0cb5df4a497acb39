import Foundation
import ZIPFoundation

/// The entry paths of a ZIP archive held in memory, read by ZIPFoundation from its central
/// directory; nil when the bytes are no readable ZIP (a signature followed by garbage).
/// `AttachmentPolicy.sniff` decides with it whether a ZIP is an OFD package.
enum ZipListing {
    static func entries(_ bytes: [UInt8]) -> [String]? {
        guard let archive = try? Archive(data: Data(bytes), accessMode: .read) else { return nil }
        return archive.map(\.path)
    }
}
