import Foundation

extension UUID {
    /// A random (version 4) UUID from the system generator (getrandom). Foundation's `UUID()`
    /// on Linux opens, reads and closes /dev/urandom for each one, three system calls that
    /// showed in profiles of every write.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { buffer in
            withUnsafeBytes(of: (generator.next() as UInt64, generator.next() as UInt64)) { buffer.copyMemory(from: $0) }
        }
        bytes.6 = (bytes.6 & 0x0F) | 0x40 // version 4
        bytes.8 = (bytes.8 & 0x3F) | 0x80 // RFC 9562 variant
        return UUID(uuid: bytes)
    }

    /// A new id in the lowercase text form records are stored with.
    public static func newID() -> String { random().uuidString.lowercased() }
}
