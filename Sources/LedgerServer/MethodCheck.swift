import Hummingbird
import Synchronization

/// Answers 405 `method_not_allowed` with an `Allow` header when the path is one of the API's routes but the method is
/// not one it takes; Hummingbird's router answers 404 for both. Only requests the router did not match pay for the check.
struct MethodCheck: RouterMiddleware {
    let routes: RouteMethods

    func handle(
        _ request: Request, context: LedgerRequestContext,
        next: (Request, LedgerRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && context.endpointPath == "NotFound" {
            guard let route = routes.route(forPath: request.uri.path) else { throw error }
            // Metrics and the request log name the route, as for any matched request.
            context.coreContext.endpointPath.value = route.pattern
            throw APIError.methodNotAllowed(allowed: route.methods)
        }
    }
}

/// The methods each route pattern of a router takes, read once its routes are added.
final class RouteMethods: Sendable {
    struct Route {
        /// As Hummingbird writes it: `/v1/cards/{card_no}`.
        let pattern: String
        /// Path segments; a `{name}` segment matches any one segment.
        let segments: [String]
        var methods: [HTTPRequest.Method]
    }

    private let routes = Mutex<[Route]>([])

    /// Takes the routes of `router` as they are now.
    func load<Context: RequestContext>(from router: Router<Context>) {
        var table: [Route] = []
        for route in router.routes {
            let pattern = route.path.description
            if let index = table.firstIndex(where: { $0.pattern == pattern }) {
                table[index].methods.append(route.method)
            } else {
                table.append(Route(pattern: pattern, segments: pattern.split(separator: "/").map(String.init), methods: [route.method]))
            }
        }
        routes.withLock { $0 = table }
    }

    /// The route whose pattern matches `path`, or nil when none does.
    func route(forPath path: String) -> Route? {
        let segments = path.split(separator: "/")
        return routes.withLock { routes in
            routes.first { route in
                route.segments.count == segments.count && zip(route.segments, segments).allSatisfy { pattern, segment in
                    pattern.hasPrefix("{") || pattern.hasPrefix(":") || pattern == segment
                }
            }
        }
    }
}
