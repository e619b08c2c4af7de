import CZlib

/// gzip (RFC 1952) of a whole answer in memory, through the system's zlib: for C2SP
/// tlog-tiles entry bundles, which the spec asks be compressed at the HTTP layer
/// (`Content-Encoding: gzip`, no negotiation). A bundle is at most 256 leaves of at most
/// 64 KiB each; ours are 109-byte commitment leaves, 28 KiB a full bundle.
enum Gzip {
    /// A failure of zlib itself (out of memory): the caller answers without compression.
    struct Failure: Error {}

    /// The gzip stream of `bytes`, at zlib's default level.
    static func compress(_ bytes: [UInt8]) throws(Failure) -> [UInt8] {
        var stream = z_stream()
        // windowBits 15 + 16: a gzip header and trailer instead of zlib's.
        guard
            deflateInit2_(
                &stream,
                Z_DEFAULT_COMPRESSION,
                Z_DEFLATED,
                15 + 16,
                8,
                Z_DEFAULT_STRATEGY,
                ZLIB_VERSION,
                Int32(MemoryLayout<z_stream>.size)
            ) == Z_OK
        else { throw Failure() }
        defer { deflateEnd(&stream) }
        var input = bytes
        var output = [UInt8](repeating: 0, count: Int(deflateBound(&stream, uLong(bytes.count))) + 32)
        let status = input.withUnsafeMutableBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                stream.next_in = source.baseAddress
                stream.avail_in = uInt(source.count)
                stream.next_out = target.baseAddress
                stream.avail_out = uInt(target.count)
                return deflate(&stream, Z_FINISH)
            }
        }
        guard status == Z_STREAM_END else { throw Failure() }
        return Array(output.prefix(Int(stream.total_out)))
    }
}
