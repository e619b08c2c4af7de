import Mustache

/// What a template reads: a page's model — a struct, read by its stored property names
/// (through `Mirror`, as swift-mustache reads any value: a computed property is not seen),
/// or, for a page not yet typed, a dictionary — with the
/// values every page shares (`assets`, and on the dashboard `csrf`, `nav`, `error`,
/// `notice`) looked up first.
struct PageContext: MustacheParent {
    let model: Any
    let shared: [String: Any]

    func child(named name: String) -> Any? {
        if let value = shared[name] { return value }
        if let parent = model as? any MustacheParent { return parent.child(named: name) }
        guard let value = Mirror(reflecting: model).children.first(where: { $0.label == name })?.value else { return nil }
        return Self.unwrapped(value)
    }

    /// An optional's value, nil for `.none` (so a section over it is skipped).
    private static func unwrapped(_ value: Any) -> Any? {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional else { return value }
        return mirror.children.first.map(\.value)
    }
}
