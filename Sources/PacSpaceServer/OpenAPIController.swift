import Hummingbird

/// Serves the OpenAPI 3.1 document at `/openapi.json`.
struct OpenAPIController: Sendable {
    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
