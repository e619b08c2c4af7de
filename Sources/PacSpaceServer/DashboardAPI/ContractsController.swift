import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/contracts*` (docs/api.md §3, the seed page): environment activation.
struct ContractsController: Sendable {
    let environments: EnvironmentStore
    let provisioner: Provisioner
    let sequencer: Sequencer
    let now: @Sendable () -> Int64

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/contracts").add(middleware: auth)
        group.post("provision", use: provision)
        group.get(use: list)
        group.get(":tenantId/status", use: status)
    }

    @Sendable func provision(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try await RequestBody.decode(request, allowed: ["environment"]).choice("environment", of: EnvironmentName.self)
        guard user.emailVerified else {
            throw APIError(.forbidden, "EMAIL_NOT_VERIFIED", "Verify your email before provisioning an environment.")
        }
        guard user.role.canWrite else { throw APIError.forbidden("Viewers cannot provision environments; ask an owner or admin.") }
        let (record, started) = try await environments.requestProvisioning(
            tenantID: user.tenantID,
            environment: environment,
            newID: Identifier.make("ctr"),
            now: now()
        )
        if started {
            context.logger.info(
                "provisioning requested",
                metadata: ["environmentId": .string(record.id), "environment": .string(environment.rawValue)]
            )
            provisioner.wake()
            return Envelope.success(
                .created,
                [
                    "tenantId": .string(user.tenantID), "environment": .string(environment.rawValue),
                    "status": .string(EnvironmentStatus.provisioning.rawValue),
                    "message": "Environment is being provisioned. This usually takes a few seconds.",
                ]
            )
        }
        var data: [(String, JSONValue)] = [
            ("tenantId", .string(user.tenantID)), ("environment", .string(environment.rawValue)), ("status", .string(record.status.rawValue)),
        ]
        if let provisionedAt = record.provisionedAt { data.append(("provisionedAt", .string(Timestamp.iso8601(millis: provisionedAt)))) }
        let message = record.status == .active ? "Environment is already active." : "Environment is already being provisioned."
        data.append(("message", .string(message)))
        return Envelope.success(.ok, .object(data))
    }

    @Sendable func status(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let tenantID = try context.pathParameter("tenantId")
        guard tenantID == user.tenantID else { throw APIError.notFound("No tenant \(tenantID) in your account.") }
        let records = try await environments.environments(tenantID: tenantID)
        let entries: [JSONValue] = EnvironmentName.allCases.map { name in
            guard let record = records.first(where: { $0.environment == name }) else {
                return ["environment": .string(name.rawValue), "status": "not_provisioned"]
            }
            var entry: [(String, JSONValue)] = [("environment", .string(name.rawValue)), ("status", .string(record.status.rawValue))]
            if record.status == .active, let at = record.provisionedAt { entry.append(("provisionedAt", .string(Timestamp.iso8601(millis: at)))) }
            if record.status == .error { entry.append(("error", .optional(record.error))) }
            if let halted = haltedState(record.id) { entry.append(("sequencer", halted)) }
            return .object(entry)
        }
        return Envelope.success(.ok, ["tenantId": .string(tenantID), "environments": .array(entries)])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let records = try await environments.environments(tenantID: user.tenantID)
        // testnet first, as in the status answer.
        let ordered = EnvironmentName.allCases.flatMap { name in records.filter { $0.environment == name } }
        return Envelope.success(.ok, .array(ordered.map { $0.json(sequencer: haltedState($0.id)) }))
    }

    /// `{state: "halted", reason, haltedSince, failures}` while the sequencer is not
    /// verifying the environment (retried with backoff); nil — no member, the seed page's
    /// shape — while it is.
    func haltedState(_ environmentID: String) -> JSONValue? {
        guard let halt = sequencer.halt(of: environmentID) else { return nil }
        return [
            "state": "halted", "reason": .string(halt.reason), "haltedSince": .string(Timestamp.iso8601(millis: halt.since)),
            "failures": .int(halt.failures),
        ]
    }
}
