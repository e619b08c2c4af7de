import Foundation
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
        // The file names its server once (ProtocolTests compares what is served with it).
        let file = String(decoding: PackageResources.openapi_json, as: UTF8.self)
        document = Array(file.replacingOccurrences(of: Self.fileServerURL, with: String(decoding: url, as: UTF8.self)).utf8)
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
}
