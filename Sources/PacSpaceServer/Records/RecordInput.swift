import HTTPTypes
import PacSpaceCore
import PacSpaceStore

/// An append's body read into a ``RecordStore/Submission`` (docs/records.md, "Writing an
/// entry"): plaintext `{lifecycle, content, referenceId?}`, or an encrypted entry as the SDK
/// seals it, `{lifecycle, referenceId, recordHash, recordHashVersion?, contentTag, envelope,
/// amends?, references?}`.
enum RecordInput {
    static let fields: Set<String> = [
        "lifecycle", "content", "referenceId", "recordHash", "recordHashVersion", "contentTag", "envelope", "amends", "references",
    ]
    /// The most canonical bytes one entry's plaintext content may have: the SDK's cap for an
    /// encrypted entry's envelope is 47,104 bytes; plaintext gets the next round number.
    /// Files are referenced by fingerprint, never carried.
    static let maxContentBytes = 65_536
    /// The most bytes an encrypted write's body may have (the SDK's `BODY_MAX_BYTES`).
    static let maxSealedBodyBytes = 65_536

    static func read(_ body: RequestBody, record: RecordIdentity) throws -> RecordSubmission {
        body["envelope"] != nil || body["recordHash"] != nil || body["contentTag"] != nil
            ? try sealed(body, record: record) : try plaintext(body, record: record)
    }

    private static func plaintext(_ body: RequestBody, record: RecordIdentity) throws -> RecordSubmission {
        for sealedOnly in ["recordHashVersion", "amends", "references"] where body[sealedOnly] != nil {
            throw APIError.invalid(sealedOnly, "unexpected", "\(sealedOnly) goes inside content for a plaintext entry.")
        }
        let lifecycle = try body.string("lifecycle", maxLength: 64)
        guard let content = body["content"], content != .null else { throw APIError.invalid("content", "required", "content is required.") }
        guard let canonical = try? JSONWriter.canonical(content) else {
            throw APIError(.badRequest, .recordContentInvalid, "content holds a number outside the range JSON canonicalisation allows.")
        }
        guard canonical.count <= maxContentBytes else {
            throw APIError(
                .contentTooLarge,
                .recordEntryTooLarge,
                "An entry's content fits in \(maxContentBytes) bytes once canonical. Reference bulk payloads by digest instead."
            )
        }
        let layout: RecordLayout
        do { layout = try RecordAdmission.admit(recordType: record.recordType, lifecycle: lifecycle, content: content) } catch {
            // 400 even for an unknown type: the SDK keeps a 400's code and turns any 404 into NotFoundError.
            throw APIError(.badRequest, error.code, error.message)
        }
        return RecordSubmission(
            recordType: record.recordType,
            entityID: record.entityID,
            layout: layout,
            lifecycle: lifecycle,
            content: content,
            referenceID: try body.optionalString("referenceId", maxLength: 200)
        )
    }

    /// An encrypted entry: the server checks the envelope's shape and the record hash's form,
    /// and admits the lifecycle word and the outside copies; the content was admitted by
    /// the writer before sealing and is never seen here.
    private static func sealed(_ body: RequestBody, record: RecordIdentity) throws -> RecordSubmission {
        if body["content"] != nil {
            throw APIError.invalid("content", "unexpected", "An encrypted entry carries its content sealed in envelope, not in clear.")
        }
        let hashVersion: RecordHashVersion
        switch body["recordHashVersion"] {
        case nil, .null?, .number("2")?: hashVersion = .v2
        case .number("3")?: hashVersion = .v3
        default: throw APIError.invalid("recordHashVersion", "value", "recordHashVersion is 3, or 2 (or absent) for a record begun under 2.")
        }
        let envelope = try envelope(body["envelope"])
        let lifecycle = try body.string("lifecycle", maxLength: 64)
        let recordHashText = try body.string("recordHash", maxLength: 66)
        guard RecordFormats.isBytes32(recordHashText, anyCase: false), let recordHash = Hash(prefixedHex: recordHashText) else {
            throw APIError(.badRequest, .recordContentInvalid, "recordHash is 0x and 64 lowercase hexadecimal digits.")
        }
        let contentTag = try body.string("contentTag", maxLength: 43, minLength: 43)
        guard Base64.decodeURL(contentTag)?.count == 32 else {
            throw APIError.invalid("contentTag", "format", "contentTag is 32 bytes in unpadded base64url (43 characters).")
        }
        var outside: [(String, JSONValue)] = []
        for member in ["amends", "references"] { if let value = body[member], value != .null { outside.append((member, value)) } }
        let copies = JSONValue.object(outside)
        let layout: RecordLayout
        do { layout = try RecordAdmission.admitSealed(recordType: record.recordType, lifecycle: lifecycle, outside: copies) } catch {
            throw APIError(.badRequest, error.code, error.message)
        }
        let size = (try? JSONWriter.canonical(body.json))?.count ?? Int.max
        guard size <= maxSealedBodyBytes else {
            throw APIError(
                .contentTooLarge,
                .recordEntryBodyTooLarge,
                "An encrypted write fits in 65,536 bytes. Shorten its references, or split the entry."
            )
        }
        return RecordSubmission(
            recordType: record.recordType,
            entityID: record.entityID,
            layout: layout,
            lifecycle: lifecycle,
            content: copies,
            sealed: SealedRecordEntry(
                recordHash: recordHash,
                recordHashVersion: hashVersion,
                contentTag: contentTag,
                envelope: envelope
            ),
            referenceID: try body.string("referenceId", maxLength: 200)
        )
    }

    /// An envelope as the SDK seals it, in shape, or the SDK's refusal.
    static func envelope(_ value: JSONValue?) throws -> RecordEnvelope {
        guard let value, value != .null else { throw APIError.invalid("envelope", "required", "An encrypted entry carries its envelope.") }
        do { return try RecordEnvelope(value) } catch {
            switch error {
            case .tooLarge:
                throw APIError(
                    .contentTooLarge,
                    .recordEntryTooLarge,
                    "An encrypted entry fits in 47,104 bytes once encoded. Reference bulk payloads by digest instead."
                )
            case .malformed:
                throw APIError(
                    .badRequest,
                    .recordEnvelopeMalformed,
                    "envelope must be {v: 1, alg: A256GCM, kid, iv, ct}: a 64-hex kid, a 12-byte IV and whole padded blocks, in base64url."
                )
            }
        }
    }
}
