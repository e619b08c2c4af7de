import HTTPTypes
import Hummingbird
import NIOCore

/// A rendered page: `text/html; charset=utf-8` with a status.
struct HTMLPage: ResponseGenerator {
    var status: HTTPResponse.Status = .ok
    let html: String

    func response(from request: Request, context: some RequestContext) -> Response {
        Response(
            status: status,
            headers: [.contentType: "text/html; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: html))
        )
    }
}
