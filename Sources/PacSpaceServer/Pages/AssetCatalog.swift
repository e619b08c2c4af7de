import Crypto
import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore

/// The files pages load (Resources/assets), compiled into the binary: nothing is fetched
/// from anywhere else (no CDN), so the Content-Security-Policy can say `'self'`.
enum Asset: String, CaseIterable, Sendable {
    case appCSS = "app.css"
    case verifyJS = "verify.js"
    case favicon = "favicon.svg"
    case appJS = "app.js"

    var bytes: [UInt8] {
        switch self {
        case .appCSS: PackageResources.app_css
        case .verifyJS: PackageResources.verify_js
        case .favicon: PackageResources.favicon_svg
        case .appJS: PackageResources.app_js
        }
    }

    var contentType: String {
        switch self {
        case .appCSS: "text/css; charset=utf-8"
        case .verifyJS, .appJS: "text/javascript; charset=utf-8"
        case .favicon: "image/svg+xml"
        }
    }
}

/// Each asset's URL carries its digest (`/assets/app.css?v=…`): an answer for the current
/// digest may be cached for a year, since new contents make a new URL.
struct AssetCatalog: Sendable {
    private let versions: [Asset: String]

    init() {
        var versions: [Asset: String] = [:]
        for asset in Asset.allCases { versions[asset] = String(Hex.encode(SHA256.hash(data: asset.bytes)).prefix(12)) }
        self.versions = versions
    }

    /// The asset's path with its version.
    func url(_ asset: Asset) -> String { "/assets/\(asset.rawValue)?v=\(versions[asset] ?? "")" }

    func addRoutes(to router: Router<AppRequestContext>) {
        router.get("assets/:name") { request, context in
            guard let asset = Asset(rawValue: try context.pathParameter("name")) else { throw APIError.notFound("No such asset.") }
            let version = versions[asset] ?? ""
            let current = request.uri.queryParameters["v"].map(String.init) == version
            return Response(
                status: .ok,
                headers: [
                    .contentType: asset.contentType,
                    .cacheControl: current ? "public, max-age=31536000, immutable" : "no-cache",
                    .eTag: "\"\(version)\"",
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: asset.bytes))
            )
        }
    }
}
