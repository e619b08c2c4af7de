/// A published record layout (docs/records.md, "Layouts"): a record type's lifecycle words,
/// which word may follow which, and the schema its entries' sealed content must meet.
public struct RecordLayout: Sendable {
    /// One field of a sealed-content schema.
    public struct Field: Sendable {
        /// `string`, `integer`, `number`, `boolean`, `object`, `array`, `payload-ref/v1`,
        /// `record-ref/v1`, `adjusts-ref/v1` or `bytes32-hex`.
        public let type: String
        /// For strings: `rfc3339-utc`, `signed-decimal`, `iso-4217` or `lowercase-hyphen`.
        public let format: String?
        /// For arrays: the type of every item.
        public let items: String?
        public let minItems: Int?
        /// In UTF-16 code units, as the SDK counts.
        public let maxLength: Int?
        /// Written by the server on an attempt or failure entry; a client may not send it.
        public let writtenByServer: Bool

        init(
            type: String,
            format: String? = nil,
            items: String? = nil,
            minItems: Int? = nil,
            maxLength: Int? = nil,
            writtenByServer: Bool = false
        ) {
            self.type = type
            self.format = format
            self.items = items
            self.minItems = minItems
            self.maxLength = maxLength
            self.writtenByServer = writtenByServer
        }
    }

    public let layoutID: Int
    public let layoutVersion: Int
    public let name: String
    public let recordType: String
    /// Each lifecycle word and its number in the state word.
    public let lifecycleValues: [String: Int]
    /// The words a record's first entry may carry.
    public let genesis: [String]
    /// The words that may follow each word.
    public let transitions: [String: [String]]
    public let contentSchema: String
    public let requiredFields: [String]
    public let fields: [String: Field]

    /// The layouts of `recordType`, lowest layout id first; empty when none is published.
    public static func layouts(of recordType: String) -> [RecordLayout] {
        published.filter { $0.recordType == recordType }.sorted { $0.layoutID < $1.layoutID }
    }

    /// Whether an entry with `lifecycle` may follow one with `previous` (nil: the first entry).
    public func allows(_ lifecycle: String, after previous: String?) -> Bool {
        guard let previous else { return genesis.contains(lifecycle) }
        return transitions[previous]?.contains(lifecycle) ?? false
    }
}
