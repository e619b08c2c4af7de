import Hummingbird

/// Records every request into ``ServerMetrics``: its route template, method, status and
/// the time to produce its answer. Every answer of ours is built whole before it is sent,
/// so this is the server's time; writing it to the network is the client's (Hummingbird's
/// hook for "after the body was written" is not public).
struct HTTPMetricsMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        metrics.requestStarted()
        do {
            let response = try await next(request, context)
            metrics.request(route: route(context), method: request.method, status: response.status, duration: .now - started)
            return response
        } catch {
            // ErrorMiddleware (inside this one) answers every error; what escapes it is a 500.
            metrics.request(route: route(context), method: request.method, status: .internalServerError, duration: .now - started)
            throw error
        }
    }

    /// The matched route's template; nil for paths no route matches (Hummingbird names them `NotFound`).
    private func route(_ context: Context) -> String? {
        context.endpointPath.flatMap { $0 == "NotFound" ? nil : $0 }
    }
}
