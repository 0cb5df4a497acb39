import Foundation

/// Reference data and templates that ship with the product (never the data directory).
public enum BundledResources {
    public static func url(_ relativePath: String) -> URL? {
        guard let base = Bundle.module.url(forResource: "Resources", withExtension: nil) else { return nil }
        let url = base.appendingPathComponent(relativePath)
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }

    public static func data(_ relativePath: String) throws -> Data {
        guard let url = url(relativePath) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: relativePath])
        }
        return try Data(contentsOf: url)
    }
}
