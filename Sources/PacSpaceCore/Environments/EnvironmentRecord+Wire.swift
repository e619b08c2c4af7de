/// An environment's wire shape, a "contract" in the public API: the contracts list and the
/// `environment.provisioned` and `environment.failed` webhooks build it here.
extension EnvironmentRecord {
    /// The contract. `sequencer` is the sequencer's state while it is halted for this
    /// environment (left out otherwise); `error` is there only in status error.
    public func json(sequencer: JSONValue? = nil) -> JSONValue { .object(fields(sequencer: sequencer)) }

    /// The contract answer of the dashboard: ``json(sequencer:)`` and, for an active log,
    /// `tilesPrefix`, where it is readable as C2SP tlog-tiles (`<publicURL>/api/v1/log/<id>`).
    public func contract(sequencer: JSONValue?, publicURL: String) -> JSONValue {
        var members = fields(sequencer: sequencer)
        if status == .active { members.append(("tilesPrefix", .string(tilesPrefix(publicURL: publicURL)))) }
        return .object(members)
    }

    /// The log's C2SP tlog-tiles prefix under `publicURL`.
    public func tilesPrefix(publicURL: String) -> String { publicURL + "/api/v1/log/" + id }

    private func fields(sequencer: JSONValue?) -> [(String, JSONValue)] {
        var entry: [(String, JSONValue)] = [
            ("id", .string(id)), ("tenantId", .string(tenantID)), ("environment", .string(environment.rawValue)),
            ("status", .string(status.rawValue)),
            ("provisionedAt", provisionedAt.map { .string(Timestamp.iso8601(millis: $0)) } ?? .null),
            ("logOrigin", .optional(logOrigin)), ("publicKey", .optional(publicKey)),
            ("treeSize", .int(treeSize)), ("chainId", .int(environment.chainID)),
        ]
        if status == .error { entry.append(("error", .optional(error))) }
        if let sequencer { entry.append(("sequencer", sequencer)) }
        return entry
    }

    /// The `environment.provisioned` and `environment.failed` events' data: the contract,
    /// with its id also as `contractId` (the name the public log routes give it).
    public var event: JSONValue { .object([("contractId", .string(id))] + fields(sequencer: nil)) }
}
