import Foundation
import Logging
import NIOPosix
import PacSpaceCore

/// One outgoing message.
struct Mail: Sendable {
    let to: String
    let subject: String
    let body: String
}

/// Sends verification and reset mails through the configured transport.
struct Mailer: Sendable {
    let transport: ServerConfiguration.MailTransport
    let outbox: String
    let from: String
    let logger: Logger
    let now: @Sendable () -> Int64

    /// The RFC 5322 text of `mail`.
    func message(_ mail: Mail) -> String {
        let date = Date(timeIntervalSince1970: Double(now()) / 1000)
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss Z"
        return [
            "From: \(from)", "To: \(mail.to)", "Subject: \(mail.subject)", "Date: \(formatter.string(from: date))",
            "Message-ID: <\(Identifier.make("msg"))@pacspace>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "",
            mail.body,
        ].joined(separator: "\r\n") + "\r\n"
    }

    /// Delivers `mail`; failures are logged, never shown to the API caller (no account
    /// enumeration through mail errors).
    func send(_ mail: Mail) async {
        let text = message(mail)
        switch transport {
        case .log:
            let safeTo = mail.to.map { $0.isLetter || $0.isNumber || "@._-+".contains($0) ? $0 : "_" }
            // <timestamp>-<to>.eml; a second mail in the same millisecond gets a suffix, never overwrites.
            let stem = (outbox as NSString).appendingPathComponent("\(now())-\(String(safeTo))")
            var path = stem + ".eml"
            var copy = 1
            while FileManager.default.fileExists(atPath: path) {
                copy += 1
                path = "\(stem)-\(copy).eml"
            }
            // Written whole under a temporary name (0600: it holds a token), then renamed into
            // place, so a reader never sees half a message.
            let temporary = path + ".partial"
            if !FileManager.default.createFile(atPath: temporary, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600])
                || (try? FileManager.default.moveItem(atPath: temporary, toPath: path)) == nil
            {
                logger.error("cannot write mail to the outbox", metadata: ["path": .string(path)])
            }
            // That a mail was written and where, never its text: it carries a live token, and log
            // lines travel further (aggregators, support tickets) than the data directory.
            logger.notice("mail written to the outbox (log transport)", metadata: ["subject": .string(mail.subject), "file": .string(path)])
        case .sendmail(let program):
            do {
                // The program runs to completion on the thread pool, not on a concurrency thread.
                let status = try await NIOThreadPool.singleton.runIfActive { try Self.pipe(text, to: program) }
                if status != 0 { logger.error("sendmail failed", metadata: ["program": .string(program), "status": .stringConvertible(status)]) }
            } catch {
                logger.error("cannot run sendmail", metadata: ["program": .string(program), "error": .string("\(error)")])
            }
        }
    }

    /// Runs `program -t -i` with `message` on its standard input; returns its exit status.
    private static func pipe(_ message: String, to program: String) throws -> Int32 {
        try ChildProcess.run(program, arguments: ["-t", "-i"], input: Array(message.utf8))
    }
}
