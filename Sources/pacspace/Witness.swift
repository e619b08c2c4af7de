import ArgumentParser
import Hummingbird
import PacSpaceServer

/// `pacspace witness`: a C2SP tlog-witness in the same binary, so self-hosters witness each
/// other's server logs (docs/witnesses.md, "pacspace witness").
struct WitnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Run a C2SP tlog-witness: cosign the checkpoints of the logs it follows.",
        subcommands: [Init.self, AddLog.self, Serve.self]
    )

    struct Directory: ParsableArguments {
        @Option(name: .long, help: "The witness's directory (its key, the logs it follows, its views). Default ./witness")
        var dir = "witness"
    }

    struct Init: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Make the witness's key; print its verifier key (safe to rerun).")

        @OptionGroup var directory: Directory

        @Option(name: .long, help: "The cosigner name, permanent: a schema-less URL you control, e.g. witness.example.org/w1")
        var name: String

        func run() throws {
            do { print(try WitnessDirectory(path: directory.dir).initialise(name: name)) } catch let refusal as WitnessDirectory.Refusal {
                throw ValidationError(refusal.description)
            }
        }
    }

    struct AddLog: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "add-log",
            abstract: "Follow a log: its verifier key, obtained from its operator out of band (its name is the log's origin)."
        )

        @OptionGroup var directory: Directory

        @Argument(help: "The log's verifier key, <origin>+<key ID>+<key>.")
        var verifierKey: String

        func run() throws {
            do { print("following \(try WitnessDirectory(path: directory.dir).addLog(verifierKey: verifierKey))") } catch let refusal
                as WitnessDirectory.Refusal
            {
                throw ValidationError(refusal.description)
            }
        }
    }

    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Answer add-checkpoint requests (POST /add-checkpoint).")

        @OptionGroup var directory: Directory
        @OptionGroup var log: LogOptions

        @Option(name: .long, help: "Address to listen on. Default 127.0.0.1")
        var host = "127.0.0.1"

        @Option(name: .long, help: "Port to listen on. Default 7380")
        var port = 7380

        func run() async throws {
            let logger = try log.logger()
            let app: any ApplicationProtocol
            do {
                app = try WitnessServer.application(directory: WitnessDirectory(path: directory.dir), host: host, port: port, logger: logger)
            } catch let refusal as WitnessDirectory.Refusal {
                throw ValidationError(refusal.description)
            }
            try await app.runService()
        }
    }
}
