import Hummingbird
import PacSpaceCore

/// Serves the OpenAPI 3.1 document, `Resources/openapi.json`, at `/openapi.json`.
///
/// The file is the document: decisions the public API leaves open are written into its
/// descriptions, and shared shapes are components (`$ref`). It is compiled into the binary
/// (`.embedInCode` in Package.swift), so the binary needs no file beside it. That costs
/// compile time: a 95 KB file took 14 s to build in a package of its own on a 2-core
/// machine, paid again only when the file changes. `scripts/lint-openapi` validates it,
/// and ProtocolTests checks it route by route against the router.
struct OpenAPIController: Sendable {
    /// The server URL the file names, replaced by the configured `PUBLIC_URL`.
    static let fileServerURL = "\"url\": \"http://localhost:8080\""

    /// The document as served: the file, byte for byte, but for its server URL.
    let document: [UInt8]

    init(publicURL: String) {
        var url: [UInt8] = Array("\"url\": ".utf8)
        JSONWriter.appendString(publicURL, to: &url)
        document = Self.replacingFirst(Array(Self.fileServerURL.utf8), with: url, in: PackageResources.openapi_json)
    }

    func addRoutes(to router: Router<AppRequestContext>) {
        let document = ByteBuffer(bytes: document)
        router.get("openapi.json") { _, _ in
            Response(
                status: .ok,
                headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: document)
            )
        }
    }

    private static func replacingFirst(_ pattern: [UInt8], with replacement: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard !pattern.isEmpty, bytes.count >= pattern.count else { return bytes }
        for start in 0...(bytes.count - pattern.count) where bytes[start..<start + pattern.count].elementsEqual(pattern) {
            return Array(bytes[..<start]) + replacement + Array(bytes[(start + pattern.count)...])
        }
        return bytes
    }
}
