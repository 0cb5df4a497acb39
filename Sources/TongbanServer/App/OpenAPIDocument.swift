import Foundation

/// The OpenAPI 3.1 description of `/api/v1`. Each capability keeps its own fragment
/// (`Resources/openapi/*.json`: `paths` and `components`) next to its code; they are merged
/// over `base.json` into the single document served at `/api/v1/openapi.json`.
enum OpenAPIDocument {
    static func merged() throws -> Data {
        guard let dir = BundledResources.url("openapi") else { throw CocoaError(.fileNoSuchFile) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".json") }.sorted()
        func object(_ name: String) throws -> [String: Any] {
            let data = try Data(contentsOf: dir.appendingPathComponent(name))
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: name])
            }
            return object
        }
        var document = try object("base.json")
        var paths = document["paths"] as? [String: Any] ?? [:]
        var components = document["components"] as? [String: Any] ?? [:]
        for file in files where file != "base.json" {
            let fragment = try object(file)
            for (path, item) in fragment["paths"] as? [String: Any] ?? [:] {
                if var existing = paths[path] as? [String: Any], let more = item as? [String: Any] {
                    existing.merge(more) { _, new in new }
                    paths[path] = existing
                } else {
                    paths[path] = item
                }
            }
            for (section, entries) in fragment["components"] as? [String: Any] ?? [:] {
                var merged = components[section] as? [String: Any] ?? [:]
                merged.merge(entries as? [String: Any] ?? [:]) { _, new in new }
                components[section] = merged
            }
        }
        document["paths"] = paths
        document["components"] = components
        return try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes])
    }
}
