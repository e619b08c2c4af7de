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
        case sharedRecord = "shared-record"
        case appNav = "app-nav"
        case appFlash = "app-flash"
        case appLogin = "app-login"
        case appSignup = "app-signup"
        case appMessage = "app-message"
        case appPassword = "app-password"
        case appHome = "app-home"
        case appEnvironments = "app-environments"
        case appKeys = "app-keys"
        case appCustomers = "app-customers"
        case appCustomer = "app-customer"
        case appWebhooks = "app-webhooks"
        case appAccount = "app-account"
        case appCheckpoints = "app-checkpoints"
        case appRecords = "app-records"
        case appRecord = "app-record"

        var source: [UInt8] {
            switch self {
            case .layout: PackageResources.layout_mustache
            case .notice: PackageResources.notice_mustache
            case .verify: PackageResources.verify_mustache
            case .sharedRecord: PackageResources.shared_record_mustache
            case .appNav: PackageResources.app_nav_mustache
            case .appFlash: PackageResources.app_flash_mustache
            case .appLogin: PackageResources.app_login_mustache
            case .appSignup: PackageResources.app_signup_mustache
            case .appMessage: PackageResources.app_message_mustache
            case .appPassword: PackageResources.app_password_mustache
            case .appHome: PackageResources.app_home_mustache
            case .appEnvironments: PackageResources.app_environments_mustache
            case .appKeys: PackageResources.app_keys_mustache
            case .appCustomers: PackageResources.app_customers_mustache
            case .appCustomer: PackageResources.app_customer_mustache
            case .appWebhooks: PackageResources.app_webhooks_mustache
            case .appAccount: PackageResources.app_account_mustache
            case .appCheckpoints: PackageResources.app_checkpoints_mustache
            case .appRecords: PackageResources.app_records_mustache
            case .appRecord: PackageResources.app_record_mustache
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

    /// `name` rendered with `model` (a page model, or the values of a page not yet typed)
    /// and `shared`; every page also gets `assets` (the versioned URLs).
    func page(_ name: Name, _ model: Any, shared: [String: Any] = [:], status: HTTPResponse.Status = .ok) -> HTMLPage {
        var shared = shared
        shared["assets"] = ["css": assets.url(.appCSS), "verifyJS": assets.url(.verifyJS), "icon": assets.url(.favicon), "appJS": assets.url(.appJS)]
        return HTMLPage(status: status, html: library.render(PageContext(model: model, shared: shared), withTemplate: name.rawValue) ?? "")
    }

    /// A page that only says something: a heading and a sentence, with the status.
    func notice(_ status: HTTPResponse.Status, title: String, message: String) -> HTMLPage {
        page(.notice, ["title": title, "message": message, "status": status.code], status: status)
    }
}
