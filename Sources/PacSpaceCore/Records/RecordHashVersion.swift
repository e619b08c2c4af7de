/// Which record hash an entry's `recordHash` is (docs/records.md, "Record hash"). The log leaf
/// commits to it, and a seal is over it through ``sealInput(_:)``.
///
/// Version 2 is this server's for plaintext entries (it computes them, ``RecordHash``).
/// Version 3 is the writer's for encrypted entries: member tags and slots in place of
/// pointers (the SDK's `commit_record_content_v3`); the server never sees the content, so
/// it only commits to what the writer states.
public enum RecordHashVersion: Int, Sendable, Equatable, CaseIterable {
    case v2 = 2
    case v3 = 3

    /// What an encrypted record starts under. Version 2 is retired for new encrypted records
    /// (`RECORD_FORMAT_RETIRED`: the SDK resends under version 3 and keeps to it); records
    /// begun under version 2 stay there.
    public static let newSealedRecords = RecordHashVersion.v3

    /// The hash a seal is over: the record hash itself for version 2; for version 3
    /// SHA-256("pacspace:record-hash-version:v1" ‖ 0x00 ‖ 0x03 ‖ recordHash), so a version 3
    /// hash can never pass as a version 2 one (the SDK's `seal_input_hash`).
    public func sealInput(_ recordHash: Hash) -> Hash {
        switch self {
        case .v2: recordHash
        case .v3: Hash.sha256(Array("pacspace:record-hash-version:v1".utf8) + [0, UInt8(rawValue)] + recordHash.bytes)
        }
    }
}
