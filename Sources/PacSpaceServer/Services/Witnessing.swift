import Logging
import PacSpaceCore
import PacSpaceStore
import ServiceLifecycle
import Synchronization

/// Asks the policy's witnesses to cosign the server log (docs/witnesses.md, "Asking
/// witnesses"): after each publication and every interval, each witness with a URL that has
/// not cosigned the latest server-log checkpoint gets one `add-checkpoint` (c2sp.org/tlog-witness)
/// from the size it last cosigned, with the consistency proof. A `409` names the witness's
/// size: the request is sent once more from there. Every cosignature is verified
/// (cosignature/v1, the witness's key in the policy) before it is kept. Witnesses are asked
/// at once and each request has its deadline, so a slow or failing witness delays no other
/// and never a write: this service is the only one that waits for them.
final class Witnessing: Service, Sendable {
    let store: ServerLogStore
    let policy: WitnessPolicy
    let client: OutboundClient
    let metrics: ServerMetrics
    let logger: Logger
    let now: @Sendable () -> Int64
    private let wakeups: Wakeups

    init(
        store: ServerLogStore,
        policy: WitnessPolicy,
        interval: Duration,
        metrics: ServerMetrics,
        logger: Logger,
        now: @escaping @Sendable () -> Int64
    ) {
        self.store = store
        self.policy = policy
        // The operator named these hosts: loopback and private addresses are theirs to use.
        let hosts = policy.witnesses.compactMap { $0.url.flatMap { try? WebhookTarget($0) }?.host }
        client = OutboundClient(policy: OutboundPolicy(allowedHosts: Set(hosts)))
        self.metrics = metrics
        self.logger = logger
        self.now = now
        wakeups = Wakeups(pollInterval: interval)
    }

    /// How a request to a witness went, as `/metrics` counts it.
    enum Outcome: String, Sendable {
        /// A cosignature came, and verified.
        case cosigned
        /// The witness holds another root at its size: a fork, or a witness that lost its state.
        case conflict
        /// The witness cosigned a larger tree than this server's: a fork, or a restored database.
        case ahead
        /// A 4xx other than a size to resend from (403, 404, 422, 400).
        case refused
        /// No answer, a 5xx, or an answer without a valid cosignature.
        case failed
    }

    /// Asks for a round now (a new server-log checkpoint was signed).
    func wake() { wakeups.wake() }

    func run() async throws {
        await wakeups.runUntilShutdown { await self.round() }
    }

    /// One round: every witness that lacks the latest checkpoint asked, at once.
    func round() async {
        do {
            // Halted (a witness saw another history): the checkpoint it refused is not sent
            // again every interval; an operator's resume starts the rounds again.
            guard try await store.halted() == nil, let latest = try await store.latestCheckpoint(), latest.treeSize > 0 else { return }
            let known = try await store.witnesses()
            let held = try await store.cosignatures(treeSize: latest.treeSize)
            await withTaskGroup(of: Void.self) { group in
                for witness in policy.witnesses where witness.url != nil {
                    let key = witness.cosigner.verifierKey
                    guard held[key] == nil else { continue }
                    let size = known[key]?.size ?? 0
                    group.addTask { await self.ask(witness, from: size, latest) }
                }
            }
            try await markIfWitnessed(latest)
        } catch {
            logger.error("cannot ask the witnesses", metadata: ["error": .string("\(error)")])
        }
    }

    /// Marks `latest` witnessed once the cosignatures kept for it meet the policy's quorum:
    /// from then on the deltas and entries it includes show `witnessedAt`.
    private func markIfWitnessed(_ latest: SignedCheckpoint) async throws {
        guard try await store.witnessedSize() < latest.treeSize else { return }
        let held = try await store.cosignatures(treeSize: latest.treeSize)
        let names = Set(policy.witnesses.filter { held[$0.cosigner.verifierKey] != nil }.map(\.name))
        guard policy.isMet(by: names) else { return }
        try await store.markWitnessed(treeSize: latest.treeSize, at: now())
    }

    /// One witness: add-checkpoint from `size`, and once more from the size a 409 names.
    private func ask(_ witness: WitnessPolicy.Witness, from size: Int64, _ latest: SignedCheckpoint) async {
        let key = witness.cosigner.verifierKey
        var old = size
        var result: (Outcome, String) = (.failed, "not asked")
        do {
            result = try await exchange(witness, old: &old, latest)
        } catch {
            result = (.failed, "cannot ask: \(error)")
        }
        let (outcome, detail) = result
        metrics.witnessAnswered(witness.name, outcome: outcome, lag: latest.treeSize - (outcome == .cosigned ? latest.treeSize : old))
        if outcome == .cosigned { return }
        logger.warning("a witness did not cosign", metadata: ["witness": .string(witness.name), "outcome": .string(detail)])
        if outcome == .conflict || outcome == .ahead {
            // The witness holds another history than this database: a fork, or a restored
            // copy. Publishing on would only grow the branch no witness will cosign.
            logger.critical("a witness saw another history: publication stops", metadata: ["witness": .string(witness.name)])
            try? await store.halt(reason: "witness \(witness.name): \(detail)")
        }
        try? await store.record(witness: key, ServerLogStore.WitnessRecord(size: old, outcome: detail, askedAt: now()), cosignature: nil)
    }

    /// The requests to one witness; `old` ends as the size the witness is known to hold.
    private func exchange(_ witness: WitnessPolicy.Witness, old: inout Int64, _ latest: SignedCheckpoint) async throws -> (Outcome, String) {
        guard let url = witness.url else { return (.failed, "no URL") }
        let target = try WebhookTarget((url.hasSuffix("/") ? String(url.dropLast()) : url) + "/add-checkpoint")
        let text = try SignedNote(parsing: latest.note).text
        var followed = false
        for _ in 0..<2 {
            guard old <= latest.treeSize else { return (.ahead, "the witness cosigned size \(old), past this server's \(latest.treeSize)") }
            let from = UInt64(old)
            let proof =
                from > 0 && old < latest.treeSize
                ? try await Merkle.consistencyProof(oldSize: from, newSize: UInt64(latest.treeSize)) { try await self.store.hashes($0) } : []
            let body = AddCheckpoint(oldSize: from, proof: proof, checkpoint: latest.note).body
            let head = OutboundClient.Head(contentType: "text/plain; charset=utf-8", userAgent: "PacSpace-Witnessing/1", answerLimit: 16 * 1024)
            let answer = await client.send(target, head, body: Array(body.utf8))
            let reply = String(decoding: answer.body, as: UTF8.self)
            switch answer.status {
            case 200?:
                let lines = reply.split(separator: "\n").map { String($0) + "\n" }
                guard
                    let (line, time) = lines.lazy.compactMap({ line in witness.cosigner.timestamp(of: line, cosigning: text).map { (line, $0) } })
                        .first
                else { return (.failed, "no valid cosignature by its key in its answer") }
                try await store.record(
                    witness: witness.cosigner.verifierKey,
                    ServerLogStore.WitnessRecord(size: latest.treeSize, outcome: "cosigned", askedAt: now()),
                    cosignature: (latest.treeSize, line, Int64(time))
                )
                return (.cosigned, "cosigned")
            case 409? where answer.contentType?.hasPrefix("text/x.tlog.size") == true:
                guard let theirs = Int64(reply.hasSuffix("\n") ? String(reply.dropLast()) : reply), theirs >= 0 else {
                    return (.failed, "409 without a size")
                }
                guard theirs != old else { return (.conflict, "the witness holds another root at size \(old)") }
                old = theirs
                followed = true
            case 422? where followed:
                // Refused from the very size the witness named: its root there is not this
                // tree's (tlog-witness answers 422 to a proof that does not match its view).
                return (.conflict, "the witness holds another root at size \(old): \(String(reply.prefix(200)))")
            case let status? where (400..<500).contains(status):
                return (.refused, "HTTP \(status): \(String(reply.prefix(200)))")
            case let status?:
                return (.failed, "HTTP \(status)")
            case nil:
                return (.failed, answer.error ?? "no answer")
            }
        }
        return (.failed, "the witness named another size twice")
    }
}
