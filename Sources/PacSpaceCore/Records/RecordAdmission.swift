/// Intake's checks of a plaintext entry (docs/records.md, "Admission"), in the order and
/// with the codes and sentences the official SDK reproduces client-side
/// (`records_admission.py`), so a refusal reads the same from either side.
public enum RecordAdmission {
    /// Why an entry was refused: an API error code and its sentence.
    public struct Refusal: Error, Equatable, Sendable {
        public let code: ErrorCode
        public let message: String

        init(_ code: ErrorCode, _ message: String) {
            self.code = code
            self.message = message
        }
    }

    /// PacSpace's own bookkeeping: never part of sealed content.
    static let reservedFields = [
        "seq", "previousWord", "newWord", "anchorId", "itemIndex", "recordKey", "batchSeed", "recordOpening", "itemOpening",
    ]
    static let blindingFileSchema = "pacspace-blinding/v1"
    static let payloadAlgorithms = ["sha-256", "hmac-sha-256"]
    static let blindingMaterial =
        "This write includes a blinding file or its value. Send only the fingerprint's alg, digest and byteLength; "
        + "the blinding file stays with you."

    /// The layout that admits `content` with `lifecycle`, or the first layout's refusal.
    /// A record type with no published layout is refused (`RECORD_TYPE_UNKNOWN`).
    public static func admit(recordType: String, lifecycle: String, content: JSONValue) throws(Refusal) -> RecordLayout {
        let layouts = RecordLayout.layouts(of: recordType)
        guard !layouts.isEmpty else {
            throw Refusal(.recordTypeUnknown, "No published layout has the record type \(recordType).")
        }
        var first: Refusal?
        for layout in layouts {
            do {
                try admit(layout, lifecycle: lifecycle, content: content)
                return layout
            } catch {
                first = first ?? error
            }
        }
        throw first ?? Refusal(.recordContentInvalid, "content is not admitted")
    }

    /// The layout that admits an encrypted entry: its content was admitted by the writer
    /// before sealing (the SDK runs these same checks); the server sees the lifecycle word
    /// and the copies of `amends` and `references` outside the envelope.
    public static func admitSealed(recordType: String, lifecycle: String, outside: JSONValue) throws(Refusal) -> RecordLayout {
        let layouts = RecordLayout.layouts(of: recordType)
        guard !layouts.isEmpty else {
            throw Refusal(.recordTypeUnknown, "No published layout has the record type \(recordType).")
        }
        if let amends = outside["amends"], !isRecordReference(amends) {
            throw Refusal(.recordContentInvalid, "amends must be {recordKey: 0x + 64 hex, seq}")
        }
        if let references = outside["references"] {
            guard case .array(let items) = references, items.allSatisfy(isRecordReference) else {
                throw Refusal(.recordContentInvalid, "references must be a list of {recordKey: 0x + 64 hex, seq}")
            }
        }
        guard let layout = layouts.first(where: { $0.lifecycleValues[lifecycle] != nil }) else {
            throw Refusal(.recordStateUnknown, "lifecycle=\(lifecycle) is not in the layout")
        }
        return layout
    }

    /// The most leaves (fields and list items) a plaintext entry may have. The record hash
    /// counts to 65,535, but a plaintext receipt reveals every leaf with its pointer and salt:
    /// 65,535 leaves made a 3.4 MB receipt from 64 KiB of content (issue 25); 1,024 keep one
    /// under about 0.2 MB. An encrypted entry's leaves are the writer's (the SDK's 65,535).
    public static let maxPlaintextLeaves = 1_024

    static func admit(_ layout: RecordLayout, lifecycle: String, content: JSONValue) throws(Refusal) {
        try validate(layout, content)
        let leafCount: Int
        do { leafCount = try RecordHash.leafCount(of: content) } catch {
            leafCount = error == .tooManyLeaves ? Int.max : 0
        }
        guard leafCount <= maxPlaintextLeaves else {
            throw Refusal(.recordContentInvalid, "This entry has more than \(maxPlaintextLeaves) fields and list items. Split it across entries.")
        }
        try payloadReferences(content, insideExtras: false)
        guard layout.lifecycleValues[lifecycle] != nil else {
            throw Refusal(.recordStateUnknown, "\(layout.lifecycleField)=\(lifecycle) is not in the layout")
        }
    }

    private static func validate(_ layout: RecordLayout, _ content: JSONValue) throws(Refusal) {
        guard case .object = content else { throw Refusal(.recordContentInvalid, "content must be an object") }
        for name in layout.requiredFields where content[name] == nil || content[name] == .null {
            if let field = layout.fields[name], field.type == "array", let count = field.minItems {
                throw minimum(name, field, count)
            }
            throw Refusal(.recordContentInvalid, "content.\(name) is required by \(layout.contentSchema)")
        }
        for name in reservedFields where content[name] != nil {
            throw Refusal(.recordContentInvalid, "content.\(name) is PacSpace bookkeeping and is never part of a sealed record")
        }
        for (name, field) in layout.fields.sorted(by: { $0.key < $1.key }) {
            guard let value = content[name] else { continue }
            if field.writtenByServer {
                throw Refusal(.recordContentInvalid, "content.\(name) is written by PacSpace and cannot be supplied")
            }
            guard matches(field.type, format: field.format, items: field.items, value) else {
                throw Refusal(.recordContentInvalid, "content.\(name) must be \(describe(field))")
            }
            if case .array(let items) = value, let count = field.minItems, items.count < count { throw minimum(name, field, count) }
            if case .string(let text) = value, let limit = field.maxLength, text.utf16.count > limit {
                throw Refusal(
                    name == "title" ? .recordTitleTooLong : .recordContentInvalid,
                    "content.\(name) is longer than \(limit) characters"
                )
            }
        }
    }

    private static func minimum(_ name: String, _ field: RecordLayout.Field, _ count: Int) -> Refusal {
        Refusal(
            name == "payloads" ? .recordPayloadsRequired : .recordContentInvalid,
            "content.\(name) must carry at least \(count) \(field.items ?? "item")\(count == 1 ? "" : "s")"
        )
    }

    private static func describe(_ field: RecordLayout.Field) -> String {
        if field.type == "array", let items = field.items { return "an array of \(items)" }
        if field.type == "record-ref/v1" { return "{ recordKey, seq }" }
        if field.type == "adjusts-ref/v1" { return "{ referenceId } or { recordId }" }
        return field.type + (field.format.map { " (\($0))" } ?? "")
    }

    // MARK: Types

    static func matches(_ type: String, format: String?, items: String?, _ value: JSONValue) -> Bool {
        switch type {
        case "string":
            guard case .string(let text) = value else { return false }
            return format.map { RecordFormats.matches($0, text) } ?? true
        case "number": return value.finiteNumber != nil
        case "integer": return value.finiteNumber.map { $0.rounded() == $0 } ?? false
        case "boolean": if case .bool = value { return true } else { return false }
        case "array":
            guard case .array(let elements) = value else { return false }
            return elements.allSatisfy { itemMatches(items, $0) }
        case "object", "payload-ref/v1": if case .object = value { return true } else { return false }
        case "bytes32-hex": if case .string(let text) = value { return RecordFormats.isBytes32(text, anyCase: true) } else { return false }
        case "record-ref/v1": return isRecordReference(value)
        case "adjusts-ref/v1":
            guard case .object(let members) = value, members.count == 1, let (key, member) = members.first,
                key == "referenceId" || key == "recordId", case .string(let text) = member
            else { return false }
            return !text.isEmpty
        default: return true
        }
    }

    private static func itemMatches(_ items: String?, _ value: JSONValue) -> Bool {
        switch items {
        case "record-ref/v1": isRecordReference(value)
        case "payload-ref/v1": if case .object = value { true } else { false }
        case "string": if case .string = value { true } else { false }
        default: true
        }
    }

    /// `{ recordKey: 0x + 64 hex, seq: a whole number ≥ 0 }`.
    public static func isRecordReference(_ value: JSONValue) -> Bool {
        guard case .string(let key)? = value["recordKey"], RecordFormats.isBytes32(key, anyCase: true),
            let seq = value["seq"]?.finiteNumber
        else { return false }
        return seq >= 0 && seq.rounded() == seq
    }

    // MARK: Payload references (Rule B)

    private static func payloadReferences(_ value: JSONValue, insideExtras: Bool) throws(Refusal) {
        switch value {
        case .array(let items): for item in items { try payloadReferences(item, insideExtras: insideExtras) }
        case .object(let members):
            try ruleB(value)
            if value["alg"] != nil && value["digest"] != nil && value["byteLength"] != nil {
                if !insideExtras { try payloadReference(value) }
                for (key, member) in members where insideExtras || !["alg", "digest", "byteLength"].contains(key) {
                    try payloadReferences(member, insideExtras: true)
                }
                return
            }
            for (_, member) in members { try payloadReferences(member, insideExtras: insideExtras) }
        default: return
        }
    }

    private static func ruleB(_ object: JSONValue) throws(Refusal) {
        if object["schema"] == .string(blindingFileSchema) { throw Refusal(.recordBlindingIncluded, blindingMaterial) }
        if let reference = object["ref"], reference["alg"] == .string("hmac-sha-256"),
            let blinding = object["blinding"], blinding != .null
        {
            throw Refusal(.recordBlindingIncluded, blindingMaterial)
        }
        if object["alg"] == .string("hmac-sha-256") {
            if case .object(let members) = object, members.contains(where: { !["alg", "digest", "byteLength"].contains($0.0) }) {
                throw Refusal(
                    .recordBlindingIncluded,
                    "A blinded fingerprint carries only alg, digest and byteLength. Move any other field out of it."
                )
            }
            try payloadReference(object)
        }
    }

    /// payload-ref/v1: `{alg: sha-256 | hmac-sha-256, digest: 64 lowercase hex, byteLength: decimal string}`.
    static func payloadReference(_ reference: JSONValue) throws(Refusal) {
        guard case .string(let algorithm)? = reference["alg"], payloadAlgorithms.contains(algorithm) else {
            throw Refusal(.recordPayloadAlgUnsupported, "payload alg is not supported; use one of sha-256, hmac-sha-256")
        }
        guard case .string(let digest)? = reference["digest"], digest.utf8.count == 64, digest.utf8.allSatisfy(RecordFormats.isLowerHex)
        else {
            throw Refusal(.recordContentInvalid, "payload digest must be 64 lowercase hex characters")
        }
        guard case .string(let length)? = reference["byteLength"], !length.isEmpty, length.utf8.allSatisfy(RecordFormats.isDigit) else {
            throw Refusal(.recordContentInvalid, "payload byteLength must be a decimal string")
        }
        if algorithm == "hmac-sha-256", length.count > 1, length.hasPrefix("0") {
            throw Refusal(.recordContentInvalid, "payload byteLength must be a decimal string with no leading zero")
        }
    }
}

extension RecordLayout {
    /// The name of the state field the lifecycle word is in.
    var lifecycleField: String { "lifecycle" }
}

extension JSONValue {
    /// The value of a finite number; nil for anything else.
    var finiteNumber: Double? {
        guard case .number(let text) = self, let value = Double(text), value.isFinite else { return nil }
        return value
    }
}
