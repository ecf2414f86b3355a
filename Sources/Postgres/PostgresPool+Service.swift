public import ServiceLifecycle

/// The pool as a service of a `ServiceGroup`, as postgres-nio's `PostgresClient` is: `run()` waits for the group's
/// graceful shutdown (or its cancellation), then closes the pool (`close()`): borrowers are refused with `.poolClosed`
/// from then on. The group stops its services in reverse order, so a pool put before the services that borrow from
/// it closes after they have finished.
extension PostgresPool: Service {
    public func run() async throws {
        // Cancellation ends the wait as well as a graceful shutdown does: either way the pool closes.
        try? await gracefulShutdown()
        await close()
    }
}
