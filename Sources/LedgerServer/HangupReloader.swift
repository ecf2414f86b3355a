public import Logging
public import ServiceLifecycle
import UnixSignals

/// Re-reads the TLS certificates on SIGHUP (`systemctl reload ledgerd`). Without HTTPS, SIGHUP is logged and ignored
/// rather than ending the daemon. The signal is trapped from `init` on, before the listener serves.
public struct HangupReloader: Service {
    let certificates: TLSCertificates?
    let logger: Logger
    private let hangups: UnixSignalsSequence

    public init(certificates: TLSCertificates?, logger: Logger) async {
        self.certificates = certificates
        self.logger = logger
        self.hangups = await UnixSignalsSequence(trapping: .sighup)
    }

    public func run() async throws {
        for await _ in hangups.cancelOnGracefulShutdown() {
            if let certificates {
                certificates.reload(logger: logger)
            } else {
                logger.notice("SIGHUP: nothing to reload (HTTPS is off)")
            }
        }
    }
}
