import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import PacSpaceCore

/// `pacspace witness serve` (docs/witnesses.md, "pacspace witness"): a C2SP tlog-witness
/// (c2sp.org/tlog-witness) over a ``WitnessDirectory``. `POST /add-checkpoint` cosigns
/// (cosignature/v1) a checkpoint of a log it follows once its signature and its consistency
/// with the witness's view check; `GET /healthz` answers `ok`. No other route, no
/// authentication: the protocol has none beyond the log's signature.
public enum WitnessServer {
    /// The largest request body: a checkpoint with a few signatures and 63 proof lines is
    /// under 4 KiB.
    static let maxBody = 64 * 1024

    /// The witness's application on `host`:`port`; `now` gives POSIX seconds.
    public static func application(
        directory: WitnessDirectory,
        host: String,
        port: Int,
        logger: Logger,
        now: @escaping @Sendable () -> UInt64 = { UInt64(max(0, Date().timeIntervalSince1970)) }
    ) throws -> some ApplicationProtocol {
        let ledger = try WitnessLedger(directory: directory)
        let router = Router()
        router.get("healthz") { _, _ in "ok\n" }
        router.post("add-checkpoint") { request, _ -> Response in
            let buffer: ByteBuffer
            do { buffer = try await request.body.collect(upTo: maxBody) } catch {
                return answer(
                    WitnessLedger.Answer(status: 413, contentType: "text/plain; charset=utf-8", body: "the body is over \(maxBody) bytes\n")
                )
            }
            guard let body = String(validating: Array(buffer.readableBytesView), as: UTF8.self) else {
                return answer(WitnessLedger.Answer(status: 400, contentType: "text/plain; charset=utf-8", body: "the body is not UTF-8\n"))
            }
            let result = await ledger.addCheckpoint(body, now: now())
            let origin = body.split(separator: "\n\n", maxSplits: 1).dropFirst().first?.split(separator: "\n").first.map(String.init) ?? "?"
            logger.info(
                "add-checkpoint",
                metadata: ["status": .stringConvertible(result.status), "origin": .string(String(origin.prefix(200)))]
            )
            return answer(result)
        }
        logger.info("witness ready", metadata: ["name": .string(ledger.signer.name), "vkey": .string(ledger.signer.verifierKey)])
        return Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "PacSpace-Witness"),
            logger: logger
        )
    }

    private static func answer(_ answer: WitnessLedger.Answer) -> Response {
        var headers: HTTPFields = [.contentType: answer.contentType]
        if let seconds = answer.retryAfter { headers[.retryAfter] = String(seconds) }
        return Response(status: .init(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: answer.body)))
    }
}
