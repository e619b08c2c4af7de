import Hummingbird
import Logging
import PacSpaceCore
import PacSpaceStore

/// `/dashboard/contracts*` (docs/api.md §3, the seed page): environment activation;
/// parses, calls ``DashboardEnvironments``, presents.
struct ContractsController: Sendable {
    let environments: DashboardEnvironments

    func addRoutes(to router: Router<AppRequestContext>, auth: DashboardAuthMiddleware) {
        let group = router.group("dashboard/contracts").add(middleware: auth)
        group.post("provision", use: provision)
        group.get(use: list)
        group.get(":tenantId/status", use: status)
    }

    @Sendable func provision(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let environment = try await RequestBody.decode(request, allowed: ["environment"]).choice("environment", of: EnvironmentName.self)
        let (record, started) = try await environments.provision(user: user, environment: environment)
        if started {
            context.logger.info(
                "provisioning requested",
                metadata: ["environmentId": .string(record.id), "environment": .string(environment.rawValue)]
            )
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
        let entries: [JSONValue] = try await environments.states(user: user).map { state in
            var entry: [(String, JSONValue)] = [("environment", .string(state.name.rawValue)), ("status", .string(state.status))]
            guard let record = state.record else { return .object(entry) }
            if record.status == .active, let at = record.provisionedAt { entry.append(("provisionedAt", .string(Timestamp.iso8601(millis: at)))) }
            if record.status == .error { entry.append(("error", .optional(record.error))) }
            if let halted = Self.json(state.halt) { entry.append(("sequencer", halted)) }
            return .object(entry)
        }
        return Envelope.success(.ok, ["tenantId": .string(tenantID), "environments": .array(entries)])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let contracts = try await environments.contracts(user: user)
        let publicURL = environments.publicURL
        return Envelope.success(.ok, .array(contracts.compactMap { $0.record?.contract(sequencer: Self.json($0.halt), publicURL: publicURL) }))
    }

    /// `{state: "halted", reason, haltedSince, failures}` while the sequencer is not
    /// verifying the environment (retried with backoff); nil — no member, the seed page's
    /// shape — while it is.
    static func json(_ halt: Sequencer.Halt?) -> JSONValue? {
        guard let halt else { return nil }
        return [
            "state": "halted", "reason": .string(halt.reason), "haltedSince": .string(Timestamp.iso8601(millis: halt.since)),
            "failures": .int(halt.failures),
        ]
    }
}
