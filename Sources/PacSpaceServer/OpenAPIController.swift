import Hummingbird
import PacSpaceCore

/// Serves the OpenAPI 3.1 document at `/openapi.json`.
struct OpenAPIController: Sendable {
    /// The document as served: every operation also gets a `default` response, the error
    /// envelope, because any route can answer 413, 415, 429 or 503 besides what it lists;
    /// and every rate-limited one (the Balance API, `/dashboard/auth/*`) a `429` with its
    /// `Retry-After` header.
    static let served: [UInt8] = {
        guard case .object(var document)? = try? JSONParser.parse(Array(OpenAPIDocument.json.utf8)),
            let index = document.firstIndex(where: { $0.0 == "paths" }), case .object(var paths) = document[index].1
        else {
            return Array(OpenAPIDocument.json.utf8)
        }
        let methods: Set<String> = ["get", "post", "put", "patch", "delete"]
        for p in paths.indices {
            guard case .object(var item) = paths[p].1 else { continue }
            for m in item.indices where methods.contains(item[m].0) {
                guard case .object(var operation) = item[m].1, let r = operation.firstIndex(where: { $0.0 == "responses" }),
                    case .object(var responses) = operation[r].1, !responses.contains(where: { $0.0 == "default" })
                else { continue }
                responses.append(("default", ["$ref": "#/components/responses/Error"]))
                let path = paths[p].0
                if path.hasPrefix("/api/v1/balance/") || path.hasPrefix("/dashboard/auth/"), !responses.contains(where: { $0.0 == "429" }) {
                    responses.append(("429", ["$ref": "#/components/responses/RateLimited"]))
                }
                operation[r].1 = .object(responses)
                item[m].1 = .object(operation)
            }
            paths[p].1 = .object(item)
        }
        document[index].1 = .object(paths)
        return JSONWriter.serialize(.object(document))
    }()

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.served))
            )
        }
    }
}
