import Foundation
public import LedgerStore
import NIOCore
import NIOPosix

extension ServerConfiguration {
    /// Binds this address once and lets it go again, so that an address ledgerd cannot listen on is refused before
    /// anything starts, with a message naming the address and `key`, the setting that changes it.
    public func checkCanListen(key: String) async throws {
        let channel: any Channel
        do {
            channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: host, port: port).get()
        } catch {
            throw ConfigurationError(key: key, message: "cannot listen on \(host):\(port): \(Self.explain(error)); set \(key) to another host:port")
        }
        try? await channel.close()
    }

    private static func explain(_ error: any Error) -> String {
        switch (error as? IOError)?.errnoCode {
        case EADDRINUSE: "the address is already in use (another program, or another ledgerd, listens there)"
        case EADDRNOTAVAIL: "no network interface of this machine has that address"
        case EACCES: "permission denied (ports below 1024 need privileges)"
        default: "\(error)"
        }
    }
}
