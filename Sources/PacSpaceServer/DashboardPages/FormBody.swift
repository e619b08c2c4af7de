import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import PacSpaceCore

/// A submitted form (`application/x-www-form-urlencoded`, at most 64 KiB). Its fields carry
/// the API's JSON member names, so a page checks them with the JSON route's own parser.
struct FormBody: Sendable {
    static let maxBytes = 64 * 1024

    private let fields: [(String, String)]

    static func decode(_ request: Request) async throws -> FormBody {
        let mediaType = request.headers[.contentType]?.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased()
        guard mediaType == "application/x-www-form-urlencoded" else {
            throw APIError(.unsupportedMediaType, .unsupportedMediaType, "Send the form as application/x-www-form-urlencoded.")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, .payloadTooLarge, "The form is larger than \(maxBytes / 1024) KiB.")
        }
        return try FormBody(String(decoding: buffer.readableBytesView, as: UTF8.self))
    }

    init(_ text: String) throws {
        var fields: [(String, String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = Self.unescape(parts[0]), let value = Self.unescape(parts.count > 1 ? parts[1] : "") else {
                throw APIError(.badRequest, .validationError, "The form is not valid URL-encoded UTF-8.")
            }
            fields.append((name, value))
        }
        self.fields = fields
    }

    private static func unescape(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }

    /// The first value of `name`, or nil.
    subscript(_ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    /// Every value of `name` (checkboxes).
    func all(_ name: String) -> [String] { fields.filter { $0.0 == name }.map(\.1) }

    /// The fields `names` as the body a JSON route parses, for the same parser to check:
    /// each present field as a string, empty ones left out when `omitEmpty`.
    func body(_ names: Set<String>, omitEmpty: Bool = true) throws -> RequestBody {
        let members: [(String, JSONValue)] = names.sorted().compactMap { name in
            guard let value = self[name], !(omitEmpty && value.isEmpty) else { return nil }
            return (name, .string(value))
        }
        return try RequestBody(object: members, allowed: names)
    }
}
