import PacSpaceCore

/// `app-checkpoints.mustache`: an environment's sealed periods, paged.
struct CheckpointListPage: Sendable {
    struct Row: Sendable {
        let customer: String
        let window: String
        let deltaCount: String
        let netChange: String
        let endingBalance: String
        let status: String
        let sealedAt: String
        let verifyPath: String
    }

    let checkpoints: [Row]
    let hasCheckpoints: Bool
    let total: Int
    let environmentLabel: String
    let environmentChoices: [PageParts.Choice]
    let pager: PageParts.Pager?

    init(_ checkpoints: [CheckpointRecord], total: Int, environment: EnvironmentName, page: Int, links: VerifyLinks) {
        self.checkpoints = checkpoints.map { checkpoint in
            Row(
                customer: checkpoint.customerID ?? "the whole environment",
                window: VerifyPageView.window(checkpoint.scope.value),
                deltaCount: String(checkpoint.deltaCount),
                netChange: checkpoint.netChange.description,
                endingBalance: checkpoint.endingBalance.description,
                status: checkpoint.status.rawValue,
                sealedAt: Timestamp.iso8601(millis: checkpoint.createdAt),
                verifyPath: String(links.disclosingPage(checkpoint.checkpointID).dropFirst(links.publicURL.count))
            )
        }
        hasCheckpoints = !self.checkpoints.isEmpty
        self.total = total
        environmentLabel = PageParts.label(environment)
        environmentChoices = PageParts.environments(environment)
        let limit = CheckpointPagesController.pageSize
        pager = PageParts.Pager(page: page, pages: (total + limit - 1) / limit) { number in
            "/app/checkpoints?environment=\(environment.rawValue)&page=\(number)"
        }
    }
}
