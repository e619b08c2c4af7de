import Foundation
import PacSpaceCore

/// The sequencer's witness file of one environment: `<witness directory>/<environment
/// id>.checkpoint`, the last checkpoint its log signed, kept outside the database (docs/
/// architecture.md, "The sequencer"). Written by the server (`WitnessFiles`); read there
/// before every signature and by `pacspace audit`.
public enum WitnessFile {
    /// The file of `environmentID` in `directory`.
    public static func path(in directory: String, environmentID: String) -> String {
        (directory as NSString).appendingPathComponent("\(environmentID).checkpoint")
    }

    /// The tree size and root hash of the checkpoint the file names; nil when there is no
    /// file. A file that is not a signed checkpoint note is
    /// ``LogError/inconsistent(environmentID:detail:)``.
    public static func read(in directory: String, environmentID: String) throws -> (size: Int64, root: Hash)? {
        let path = path(in: directory, environmentID: environmentID)
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let damaged = { (why: String) in LogError.inconsistent(environmentID: environmentID, detail: "the witness file \(path) is damaged (\(why))") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(body: SignedNote(parsing: String(decoding: data, as: UTF8.self)).text) } catch {
            throw damaged("\(error)")
        }
        guard let size = Int64(exactly: checkpoint.size) else { throw damaged("its tree size is past 64 bits") }
        return (size, checkpoint.root)
    }
}
