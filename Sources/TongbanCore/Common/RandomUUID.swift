import Foundation

extension UUID {
    /// A random (version 4) UUID from the system generator (getrandom). Foundation's `UUID()`
    /// on Linux opens, reads and closes /dev/urandom for each one, three system calls that
    /// showed in profiles of every write.
    public static func random() -> UUID {
        var bytes = randomBytes()
        bytes.6 = (bytes.6 & 0x0F) | 0x40 // version 4
        bytes.8 = (bytes.8 & 0x3F) | 0x80 // RFC 9562 variant
        return UUID(uuid: bytes)
    }

    /// A time-ordered (RFC 9562 version 7) UUID: 48 bits of Unix milliseconds, then 74 random
    /// bits. Rows created together get neighbouring keys, so their primary-key and
    /// foreign-key index entries land in the same few B-tree pages instead of one random page
    /// each; with random ids every transaction dirtied (and wrote to the log, and synced) a
    /// page per index (bench/README.md, sixth session).
    public static func timeOrdered(unixMilliseconds: UInt64) -> UUID {
        var bytes = randomBytes()
        let time = unixMilliseconds & 0xFFFF_FFFF_FFFF
        bytes.0 = UInt8(truncatingIfNeeded: time >> 40)
        bytes.1 = UInt8(truncatingIfNeeded: time >> 32)
        bytes.2 = UInt8(truncatingIfNeeded: time >> 24)
        bytes.3 = UInt8(truncatingIfNeeded: time >> 16)
        bytes.4 = UInt8(truncatingIfNeeded: time >> 8)
        bytes.5 = UInt8(truncatingIfNeeded: time)
        bytes.6 = (bytes.6 & 0x0F) | 0x70 // version 7
        bytes.8 = (bytes.8 & 0x3F) | 0x80 // RFC 9562 variant
        return UUID(uuid: bytes)
    }

    /// A new record id in the lowercase text form records are stored with: time-ordered.
    /// Ids are not secrets (every read is authorised), so the creation time they reveal,
    /// which the record shows anyway, costs nothing.
    public static func newID() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let milliseconds = UInt64(max(0, now.tv_sec)) * 1000 + UInt64(max(0, now.tv_nsec)) / 1_000_000
        return timeOrdered(unixMilliseconds: milliseconds).uuidString.lowercased()
    }

    /// A random (version 4) id in the same text form: for tokens and for names that must
    /// differ between processes started together.
    public static func randomID() -> String { random().uuidString.lowercased() }

    private static func randomBytes() -> uuid_t {
        var generator = SystemRandomNumberGenerator()
        var bytes: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &bytes) { buffer in
            withUnsafeBytes(of: (generator.next() as UInt64, generator.next() as UInt64)) { buffer.copyMemory(from: $0) }
        }
        return bytes
    }
}
