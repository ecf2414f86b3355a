public import LedgerCore
public import LedgerStore
public import Logging
import Metrics
public import ServiceLifecycle

/// Generates today's and tomorrow's deliveries from the standing orders when `ledgerd` starts and then every
/// `interval` (10 minutes) until graceful shutdown, and sets the gauge `ledger_welfare_alerts_open` to the number of
/// open welfare alerts each round. Each round also raises a notice for each person overdue for their survival
/// certification who has none yet (once per person and due date) and sets the gauge `ledger_certifications_overdue`,
/// and first makes the monthly partitions of the entries missing up to `Partitions.monthsAhead` months ahead (a look
/// in the catalog when none is missing) and sets `ledger_partitions_ahead_months`.
///
/// Generation is idempotent (one delivery per standing order and day, however many daemons run), so a restart or a
/// second daemon does no harm; days are reckoned in the programme's time zone by the ledger's clock. A round that
/// fails (the database is down) is logged and the next one tries again.
public struct DeliveryScheduler: Service {
    /// What one round did.
    public struct Round: Sendable, Equatable {
        public let today: LocalDate
        /// Deliveries created for today and tomorrow.
        public let created: Int
        public let openAlerts: Int
        /// Certification notices raised this round, and people overdue for their certification today.
        public let certificationNotices: Int
        public let overdueCertifications: Int
        /// Months after the current one with partitions, or nil when making them failed (logged as an error).
        public let partitionsAhead: Int?
    }

    let ledger: Ledger
    let logger: Logger
    let interval: Duration
    private let openAlerts = Gauge(label: "ledger_welfare_alerts_open")
    private let overdueCertifications = Gauge(label: "ledger_certifications_overdue")
    private let partitionsAheadMonths = Gauge(label: "ledger_partitions_ahead_months")

    public init(ledger: Ledger, logger: Logger, interval: Duration = .seconds(600)) {
        self.ledger = ledger
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                _ = await runRound()
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return  // cancelled: the daemon is stopping
                }
            }
        }
        logger.debug("delivery scheduler stopped")
    }

    /// One round: generates today's and tomorrow's deliveries and refreshes the open-alerts gauge. Returns nil when
    /// it failed, after logging why.
    @discardableResult
    public func runRound() async -> Round? {
        let today = LocalDate.containing(ledger.clock(), in: ledger.settings.timeZone)
        let partitionsAhead = await ensurePartitions()
        do {
            let created = try await ledger.generateDeliveries(on: today) + ledger.generateDeliveries(on: today.next)
            let open = try await ledger.openWelfareAlertCount()
            openAlerts.record(open)
            let certifications = try await ledger.raiseCertificationNotices(on: today)
            overdueCertifications.record(certifications.overdue)
            logger.log(level: created > 0 ? .info : .debug, "standing-order deliveries generated", metadata: [
                "ledger.day": .stringConvertible(today), "ledger.created": .stringConvertible(created),
                "ledger.open_alerts": .stringConvertible(open),
            ])
            if certifications.raised > 0 {
                logger.info("certification notices raised", metadata: [
                    "ledger.day": .stringConvertible(today), "ledger.raised": .stringConvertible(certifications.raised),
                    "ledger.overdue": .stringConvertible(certifications.overdue),
                ])
            }
            return Round(today: today, created: created, openAlerts: open, certificationNotices: certifications.raised,
                         overdueCertifications: certifications.overdue, partitionsAhead: partitionsAhead)
        } catch is CancellationError {
            return nil
        } catch {
            logger.error("generating standing-order deliveries failed; the next round tries again", metadata: [
                "ledger.day": .stringConvertible(today), "error": .string(String(reflecting: error)),
            ])
            return nil
        }
    }
}

extension DeliveryScheduler {
    /// Makes the missing monthly partitions and sets the gauge; nil, after logging why, when that failed.
    private func ensurePartitions() async -> Int? {
        do {
            let ahead = try await ledger.ensurePartitions()
            partitionsAheadMonths.record(ahead)
            return ahead
        } catch {
            logger.error("making the monthly partitions of ledger.entries failed; meals of a month without one would fail, the next round tries again", metadata: [
                "error": .string(String(reflecting: error)),
            ])
            return nil
        }
    }
}

extension DeliveryScheduler: CustomStringConvertible {
    /// The service's name in service-lifecycle's logs.
    public var description: String { "DeliveryScheduler" }
}
