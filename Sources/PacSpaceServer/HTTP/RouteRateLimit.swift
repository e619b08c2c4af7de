import Hummingbird

/// Limits each route of a group per client address (`/dashboard/auth/*`: none of them needs
/// an account, and each costs a lookup, a hash or a mail).
struct RouteRateLimit: RouterMiddleware {
    typealias Context = AppRequestContext
    let limiter: RateLimiter
    let policy: RateLimiter.Policy
    let now: @Sendable () -> Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // The matched route, not the path: ids in the path do not make new buckets.
        let route = "\(request.method.rawValue) \(context.endpointPath ?? request.uri.path)"
        if let wait = limiter.take(.route, route + "|" + RateLimiter.key(address: context.clientAddress), policy, now: now()) {
            throw APIError.rateLimited(after: wait)
        }
        return try await next(request, context)
    }
}
