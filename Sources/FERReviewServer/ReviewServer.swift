import FERCore
import FERData
import FERIngest
import FERMedia
import FERReview
import Foundation
import Hummingbird
import Logging
import NIOCore

/// The review page's web server: serves the page, the queue's faces and state, and stores each
/// decision in the annotation store before it answers. Every request must carry the session's token
/// (`?token=` or the `X-Review-Token` header), else 403.
public struct ReviewServer: Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (printed).
        public var port = 8080
        public var annotator: String
        /// The secret in the URL; random unless given (tests).
        public var token: String

        public init(annotator: String, host: String = "127.0.0.1", port: Int = 8080, token: String = ReviewServer.newToken()) {
            self.annotator = annotator
            self.host = host
            self.port = port
            self.token = token
        }
    }

    public let configuration: Configuration
    let session: ReviewSession

    public init(queue: ReviewQueue, dataset: Dataset, store: ReviewStore, configuration: Configuration) throws {
        self.configuration = configuration
        session = try ReviewSession(queue: queue, dataset: dataset, store: store, annotator: configuration.annotator)
    }

    /// 128 random bits as 32 hex digits.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in String(format: "%08x", UInt32.random(in: .min ... .max, using: &generator)) }.joined()
    }

    /// Serves until SIGINT or SIGTERM. `ready` gets the page's URL once the server listens.
    public func run(ready: @escaping @Sendable (String) -> Void) async throws {
        let router = Router()
        router.add(middleware: TokenCheck(token: configuration.token))
        let session = self.session
        router.get("/") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                     body: .init(byteBuffer: ByteBuffer(string: ReviewPage.html)))
        }
        for asset in ReviewPage.assets {
            router.get(RouterPath(stringLiteral: asset.path)) { _, _ in
                Response(status: .ok, headers: [.contentType: asset.contentType, .cacheControl: "no-store"],
                         body: .init(byteBuffer: ByteBuffer(string: asset.text)))
            }
        }
        router.get("/api/state") { _, _ in try Self.json(await session.state()) }
        router.get("/api/face/:id") { _, context in
            let png = try session.facePNG(try Self.recordID(context.parameters.get("id")))
            return Response(status: .ok, headers: [.contentType: "image/png", .cacheControl: "private, max-age=3600"],
                            body: .init(byteBuffer: ByteBuffer(bytes: png)))
        }
        router.get("/api/neighbours/:id") { _, context in
            try Self.json(session.neighbours(of: try Self.recordID(context.parameters.get("id"))))
        }
        router.post("/api/decisions") { request, context in
            let body = try await request.decode(as: ReviewSession.DecisionRequest.self, context: context)
            return try Self.json(try await session.decide(body))
        }
        router.post("/api/undo") { _, _ in try Self.json(try await session.undo()) }

        var logger = Logger(label: "ferdata-review")
        logger.logLevel = .warning
        let host = configuration.host, token = configuration.token
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "ferdata-review"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                let shownHost = host.contains(":") ? "[\(host)]" : host
                ready("http://\(shownHost):\(port)/?token=\(token)")
            },
            logger: logger)
        try await app.runService()
    }

    static func recordID(_ text: String?) throws -> UInt64 {
        guard let text, let id = UInt64(text) else { throw HTTPError(.badRequest, message: "bad record id '\(text ?? "")'") }
        return id
    }

    static func json(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: try encoder.encode(value))))
    }
}

/// 403 for a request without the session's token (the page's style and script, the same for every
/// session, need none), and the page's security headers on every answer: a Content-Security-Policy
/// that allows script, style, pictures and requests from this server only, with no inline script or
/// style, no plugins, no framing and no form posts elsewhere (docs/reliability.md, the review server's
/// threat model).
struct TokenCheck<Context: RequestContext>: RouterMiddleware {
    let token: String

    static var publicPaths: [String] { ReviewPage.assets.map(\.path) }
    static var contentSecurityPolicy: String {
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
            + "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        let given = request.uri.queryParameters.get("token")
            ?? request.headers.first { $0.name.canonicalName == "x-review-token" }?.value
        if Self.publicPaths.contains(request.uri.path) {
            response = try await next(request, context)
        } else if let given, Self.same(Array(given.utf8), Array(token.utf8)) {
            response = try await next(request, context)
        } else {
            response = Response(status: .forbidden, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: "forbidden: this review session's token is missing or wrong\n")))
        }
        response.headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        return response
    }

    /// Compares without stopping at the first difference.
    static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
