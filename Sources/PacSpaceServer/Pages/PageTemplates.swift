import HTTPTypes
import Mustache

/// The server's pages: Mustache templates compiled into the binary (Resources/pages),
/// parsed once at start-up. `{{…}}` escapes HTML; no template uses the unescaped forms
/// (`{{{…}}}`, `{{&…}}`) — `scripts/lint` refuses them.
struct PageTemplates: Sendable {
    /// Every template; a page names one of these, so a missing template cannot be asked for.
    enum Name: String, CaseIterable, Sendable {
        case layout
        case notice
        case verify

        var source: [UInt8] {
            switch self {
            case .layout: PackageResources.layout_mustache
            case .notice: PackageResources.notice_mustache
            case .verify: PackageResources.verify_mustache
            }
        }
    }

    private let library: MustacheLibrary
    let assets: AssetCatalog

    init(assets: AssetCatalog) throws {
        var library = MustacheLibrary()
        for name in Name.allCases { try library.register(String(decoding: name.source, as: UTF8.self), named: name.rawValue) }
        self.library = library
        self.assets = assets
    }

    /// `name` rendered with `values`; every page also gets `assets` (the versioned URLs).
    func page(_ name: Name, _ values: [String: Any], status: HTTPResponse.Status = .ok) -> HTMLPage {
        var values = values
        values["assets"] = ["css": assets.url(.appCSS), "verifyJS": assets.url(.verifyJS), "icon": assets.url(.favicon)]
        return HTMLPage(status: status, html: library.render(values, withTemplate: name.rawValue) ?? "")
    }

    /// A page that only says something: a heading and a sentence, with the status.
    func notice(_ status: HTTPResponse.Status, title: String, message: String) -> HTMLPage {
        page(.notice, ["title": title, "message": message, "status": status.code], status: status)
    }
}
