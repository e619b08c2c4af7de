import Foundation
import HTTPTypes
import Hummingbird
import PacSpaceCore
import PacSpaceStore

/// The Records API (docs/records.md): `/api/v1/records/:recordType/:entityId/…` with an API
/// key. An entry is admitted against its type's published layout, stored durably, queued
/// for the environment's log, and committed once a signed checkpoint covers it.
struct RecordsController: Sendable {
    let records: RecordStore
    let writer: RecordWriter
    let receipts: ReceiptReader
    let links: VerifyLinks
    let readers: RecordReaders
    /// The backlog's limit, and credits on production: as for deltas.
    let policy: WritePolicy
    let now: @Sendable () -> Int64

    /// Entries per history page at most (and by default; `limit` asks for fewer); the rest
    /// follow with `x-next-from-seq`.
    static let pageSize = 1_000
    /// The most bytes of receipts one history or bundle page holds, by the entries' stored
    /// footprints (docs/api.md, "Budgets"): a page ends early rather than grow past it. One
    /// 64 KiB entry of 65,535 leaves made a 3.4 MB receipt, and a page of 100 such took the
    /// process to 2 GiB (issue 25). 6 MiB keeps a page of 1,000 ordinary entries whole (a
    /// small entry's receipt is 3.4 KB at tree size 300, about 5 KB at 2^24; its footprint
    /// says 4.9 KB); a page of the largest entries (32 of 190 KB) peaked at +35 MiB.
    static let pageBytes: Int64 = 6 * 1_048_576

    func addRoutes(to group: RouterGroup<AppRequestContext>) {
        group.post(":recordType/:entityId/transitions", use: append)
        group.get(":recordType/:entityId/receipts/:seq", use: receipt)
        group.get(":recordType/:entityId/history", use: history)
        group.get(":recordType/:entityId/bundle", use: bundle)
        group.put(":recordType/:entityId/entries/:seq/envelope", use: rekey)
    }

    @Sendable func append(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let record = try Self.record(context)
        let body = try await RequestBody.decode(request, allowed: RecordInput.fields)
        let submission = try RecordInput.read(body, record: record)
        try policy.admit(key.environmentID)
        let append = RecordCommits.Append(submission: submission, environmentID: key.environmentID, charge: policy.charge(key))
        let (entry, created): (RecordEntry, Bool)
        switch try await writer.submit(append) {
        case .success(let written): (entry, created) = written
        case .failure(let refusal): throw APIError(WriteRefusal(refusal))
        }
        return Envelope.success(created ? .created : .ok, entry.appended(record: record))
    }

    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let record = try Self.record(context)
        guard let seq = Int64(try context.pathParameter("seq")), seq >= 0 else {
            throw APIError.invalid("seq", "format", "seq is a whole number from 0 (entry 1 is seq 0).")
        }
        let target = try await readers.target(request, context, record: record, read: "receipt")
        guard
            let entry = try await records.entry(environmentID: target.environmentID, recordKey: target.summary.recordKey, seq: seq)
        else { throw APIError(.notFound, .recordEntryNotFound, "This record has no entry with seq \(seq).") }
        let proof = try await proof(entry, record: record)
        return Envelope.success(
            .ok,
            [
                "recordType": .string(record.recordType), "entityId": .string(record.entityID),
                "receipt": entry.receipt(record: record, proof: proof?.json, verifyUrl: links.page(of: entry)),
            ]
        )
    }

    /// A re-key (docs/records.md, "Re-keying"): the writer re-sealed an encrypted entry under
    /// another version of its workspace secret; the envelope joins the entry's others.
    @Sendable func rekey(_ request: Request, context: AppRequestContext) async throws -> Response {
        let key = try context.requireKey()
        let record = try Self.record(context)
        guard let seq = Int64(try context.pathParameter("seq")), seq >= 0 else {
            throw APIError.invalid("seq", "format", "seq is a whole number from 0 (entry 1 is seq 0).")
        }
        let body = try await RequestBody.decode(request, allowed: ["envelope"])
        let envelope = try RecordInput.envelope(body["envelope"])
        do {
            try await records.addEnvelope(
                environmentID: key.environmentID,
                recordType: record.recordType,
                entityID: record.entityID,
                seq: seq,
                envelope: envelope,
                now: now()
            )
        } catch RecordStore.EnvelopeRefusal.entryNotFound {
            throw APIError(.notFound, .recordEntryNotFound, "This record has no entry with seq \(seq).")
        } catch RecordStore.EnvelopeRefusal.notEncrypted {
            throw APIError(.conflict, .recordEncryptionMismatch, "This record is plaintext: its entries have no envelope to re-key.")
        } catch RecordStore.EnvelopeRefusal.unknownVersion {
            throw APIError(
                .conflict,
                .recordsVersionUnknown,
                "The envelope's kid names no key version this workspace registered (PUT …/encryption/versions/:version first)."
            ).adding("kid", .string(envelope.kid))
        } catch RecordStore.EnvelopeRefusal.holdersUnconfirmed(let holders) {
            throw APIError(WriteRefusal.holdersUnconfirmed(holders)).adding("kid", .string(envelope.kid))
        }
        return Envelope.success(.ok, ["seq": .int(seq), "kid": .string(envelope.kid)])
    }

    @Sendable func history(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await historyDocument(request, context, download: false)
    }

    @Sendable func bundle(_ request: Request, context: AppRequestContext) async throws -> Response {
        try await historyDocument(request, context, download: true)
    }

    /// A page of the record's history: the document itself, not in the `success` envelope
    /// (the SDK reads its `schema`); `x-next-from-seq` names the next page's first seq. As a
    /// bundle it is a file to keep, with a digest over the rest of it.
    private func historyDocument(_ request: Request, _ context: AppRequestContext, download: Bool) async throws -> Response {
        let record = try Self.record(context)
        let query = QueryParameters(request: request)
        let from = Int64(try query.integer("fromSeq", in: 0...Int(Int32.max)) ?? 0)
        let to = try query.integer("toSeq", in: 0...Int(Int32.max)).map(Int64.init)
        if let to, to < from { throw APIError.invalid("toSeq", "range", "toSeq must not be before fromSeq.") }
        let limit = try query.integer("limit", in: 1...Self.pageSize) ?? Self.pageSize
        let target = try await readers.target(request, context, record: record, read: download ? "bundle" : "history")
        let summary = target.summary
        let last = min(to ?? (summary.entryCount - 1), summary.entryCount - 1)
        // The page is cut by its stored footprints before anything is loaded; it is then
        // streamed, its receipts proved against one checkpoint.
        let end = try await records.pageEnd(
            environmentID: target.environmentID,
            recordKey: summary.recordKey,
            from: from,
            through: last,
            limit: limit,
            maxBytes: Self.pageBytes
        )
        let page = RecordHistory(
            summary: summary,
            environmentID: target.environmentID,
            origin: target.origin,
            seqs: from..<(end.map { $0 + 1 } ?? from),
            generatedAt: now(),
            bundle: download
        )
        var headers: HTTPFields = [.contentType: "application/json; charset=utf-8"]
        if let end, end < last {
            headers[HTTPField.Name("x-next-from-seq") ?? .via] = String(end + 1)
        }
        if download {
            let name = "record-\(record.recordType)-\(summary.recordKey.prefixedHex.prefix(18))-\(from).json"
            headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        }
        let (records, receipts, links) = (records, receipts, links)
        return Response(
            status: .ok,
            headers: headers,
            body: ResponseBody { writer in
                try await page.write(records: records, receipts: receipts, links: links, to: &writer)
            }
        )
    }

    private func proof(_ entry: RecordEntry, record: RecordIdentity) async throws -> Receipt? {
        guard entry.status == .verified, let index = entry.logIndex else { return nil }
        return try await receipts.proof(
            environmentID: entry.environmentID,
            index: index,
            opening: entry.committed(recordType: record.recordType).leaf
        )
    }

    /// The record the path names: a published type's name (lowercase words and hyphens) and
    /// the tenant's id for it (1 to 256 bytes, no control character).
    static func record(_ context: AppRequestContext) throws -> RecordIdentity {
        try record(type: try context.pathParameter("recordType"), entity: try context.pathParameter("entityId"))
    }

    /// A record's type and id as a path names them, checked.
    static func record(type: String, entity: String) throws -> RecordIdentity {
        guard type.utf8.count <= 64, type.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }) else {
            throw APIError.invalid("recordType", "format", "recordType is lowercase letters, digits and hyphens (at most 64).")
        }
        guard entity.utf8.count <= 256 else { throw APIError.invalid("entityId", "too_long", "The record id is at most 256 bytes.") }
        return RecordIdentity(recordType: type, entityID: entity)
    }
}

extension RecordStore {
    /// The caller's own record the path names; 404 when its environment has none.
    func own(_ context: AppRequestContext, _ key: APIKeyIdentity) async throws -> RecordSummary {
        let named = try RecordsController.record(context)
        guard let summary = try await record(environmentID: key.environmentID, recordType: named.recordType, entityID: named.entityID)
        else { throw APIError(.notFound, .recordNotFound, "This environment has no record \(named.entityID) of type \(named.recordType).") }
        return summary
    }
}
