import Foundation
import HTTPTypes
import Hummingbird
import JWTKit
import Logging
import PacSpaceCore
import PacSpaceStore

/// Requires `Authorization: Bearer <access token>` and loads the user of the live session
/// it names: a token of a revoked session (logout, reset, change of password, reuse of a
/// refresh token) fails at once, not when it expires. Every failure is 401 `UNAUTHORIZED`
/// with a message saying what to fix.
struct DashboardAuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let tokens: AccessTokens
    let sessions: SessionStore
    let now: @Sendable () -> Int64

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard request.headers[.authorization] != nil else {
            throw APIError.unauthorized("Send Authorization: Bearer <access token> (from POST /dashboard/auth/login).")
        }
        guard let token = request.bearerToken else {
            throw APIError.unauthorized("The Authorization header must be \"Bearer <access token>\".")
        }
        let claims: AccessClaims
        do {
            claims = try await tokens.verify(token, now: now())
        } catch {
            throw APIError.unauthorized("The access token is invalid or expired; log in or refresh it.")
        }
        guard let user = try await sessions.user(sessionID: claims.sid, userID: claims.sub.value), user.tenantID == claims.tid else {
            throw APIError.unauthorized("The session of this access token has ended; log in again.")
        }
        var context = context
        context.user = user
        context.sessionID = claims.sid
        context.logger[metadataKey: "userId"] = .string(user.id)
        return try await next(request, context)
    }
}
