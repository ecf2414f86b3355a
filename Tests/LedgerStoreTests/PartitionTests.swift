import Foundation
import LedgerCore
@testable import LedgerStore
import Postgres
import TestSupport
import Testing

/// Issue 17: ledger.entries and ledger.seal_lines partitioned by month (sql/0023), migrated in place, made ahead and on
/// demand, archived and still verified.
@Suite("monthly partitions")
struct PartitionTests {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    /// The partition an entry is stored in, as `schema.table`.
    static func partition(of id: UUID, on db: PostgresConnection) throws -> String {
        try db.query("""
            SELECT tableoid::regclass::text FROM ledger.entries WHERE id = \(id)
            UNION ALL SELECT tableoid::regclass::text FROM archive.entries WHERE id = \(id)
            """).single().onlyValue()
    }

    /// Every row of the entries, seal lines and deliveries, and the open month's seal, as one comparable text.
    static func contents(on db: PostgresConnection) throws -> [String] {
        try db.query("""
            SELECT (SELECT string_agg(md5(e::text), ',' ORDER BY e.id) FROM ledger.entries e) AS entries,
                   (SELECT string_agg(md5(s::text), ',' ORDER BY s.entry_id) FROM ledger.seal_lines s) AS seal_lines,
                   (SELECT string_agg(md5(d::text), ',' ORDER BY d.id) FROM ledger.deliveries d) AS deliveries,
                   ledger.seal_digest('2031-05', 2::smallint) AS may_digest, audit.verify_period('2031-04')::text AS april_verified
            """).single().values.map { $0 ?? "NULL" }
    }

    /// `ledger.post_void` of `meal` at R1 into `period`, as the daemon calls it.
    static func postVoid(_ id: UUID, of meal: UUID, period: String, late: Bool) -> PostgresQuery {
        """
        SELECT ledger.post_void(\(id), (SELECT t.id FROM ledger.terminals t JOIN ledger.restaurants r ON r.id = t.restaurant_id
                                        WHERE r.code = 'R1'), \(meal), \(period), \(late), now(), 'void fingerprint', 'wrong card')
        """
    }

    @Test("an unpartitioned database holding data migrates in place: same rows, same seals, replays, voids and ids as before")
    func inPlaceMigration() throws {
        try ScratchDatabase.withScratch { scratch in
            let db = try scratch.connect()
            defer { db.close() }
            let before23 = try TestDatabase.migrations().filter { $0.version < 23 }
            _ = try Migrator(migrations: before23, logger: TestDatabase.logger).migrate(db)
            #expect(try db.query("SELECT relkind::text FROM pg_class WHERE oid = 'ledger.entries'::regclass").single().onlyValue(as: String.self) == "r")
            // April (closed and sealed) and May written as before 0023: direct inserts, and post_meals / post_void.
            // Sealed with version 2, the recipe before sql/0026; it still verifies after all the migrations.
            let fixture = AuditFixture(scratch: scratch, db: db, sealVersion: 2)
            try fixture.populate()
            let postedMeal = UUID()
            let postedVoid = UUID()
            #expect(try db.query(LeastPrivilegeTests.postMeal(postedMeal, localDate: "2031-05-20", period: "2031-05")).count == 1)
            #expect(try db.query(Self.postVoid(postedVoid, of: postedMeal, period: "2031-05", late: false)).single().onlyValue(as: Bool.self))
            let before = try Self.contents(on: db)
            let aprilSeal = try Reconciliations.verify(period: Period(parsing: "2031-04"), on: db)
            #expect(before.last == "true")

            _ = try Migrator(migrations: TestDatabase.migrations(), logger: TestDatabase.logger).migrate(db)

            #expect(try db.query("SELECT relkind::text FROM pg_class WHERE oid = 'ledger.entries'::regclass").single().onlyValue(as: String.self) == "p")
            #expect(try Self.contents(on: db) == before)
            #expect(try Self.partition(of: fixture.aprilMealR1, on: db) == "ledger.entries_2031_04")
            #expect(try Self.partition(of: postedVoid, on: db) == "ledger.entries_2031_05")
            #expect(try Reconciliations.verify(period: Period(parsing: "2031-04"), on: db) == aprilSeal)
            #expect(try db.query("SELECT count(*) FROM ledger.entry_ids").single().onlyValue(as: Int.self) == 8)

            // A replay stores nothing; a late void of an April meal from the old data goes into May; a second void of
            // it, or an id already used in another month, is refused.
            #expect(try db.query(LeastPrivilegeTests.postMeal(postedMeal, localDate: "2031-05-20", period: "2031-05")).count == 0)
            let lateVoid = UUID()
            #expect(try db.query(Self.postVoid(lateVoid, of: fixture.aprilMealR1, period: "2031-05", late: true)).single().onlyValue(as: Bool.self))
            #expect(try Self.partition(of: lateVoid, on: db) == "ledger.entries_2031_05")
            AuditFixture.expectRefusal("23505", saying: "entry_ids_voided_entry_id_key") {
                _ = try db.query(Self.postVoid(UUID(), of: fixture.aprilMealR1, period: "2031-05", late: true))
            }
            _ = try db.query("INSERT INTO ledger.periods (period) VALUES ('2031-06')")
            AuditFixture.expectRefusal("23505", saying: "entry_ids_pkey") {
                try fixture.meal(fixture.mayMeal, at: "R1", card: AuditFixture.card1, period: "2031-06",
                                 occurred: "2031-06-02T12:00:00+08", gross: 2500)
            }
            #expect(try db.query("SELECT count(*) FROM ledger.entries WHERE id = \(fixture.mayMeal)").single().onlyValue(as: Int.self) == 1)
            #expect(try db.query("SELECT audit.verify_period('2031-04')").single().onlyValue(as: Bool.self))
        }
    }

    @Test("partitions exist for this month and three ahead, and a new period, however far, makes its own")
    func aheadAndOnDemand() throws {
        try AuditFixture.with { fixture in
            let db = fixture.db
            let ahead = try Partitions.ensure(timeZone: Self.shanghai, on: db)
            #expect(ahead >= Partitions.monthsAhead)
            var month = Period.containing(Date(), in: Self.shanghai)
            for _ in 0...Partitions.monthsAhead {
                let name = "ledger.entries_" + month.description.replacingOccurrences(of: "-", with: "_")
                #expect(try db.query("SELECT to_regclass(\(name)) IS NOT NULL").single().onlyValue(as: Bool.self), "\(name)")
                month = month.next
            }
            #expect(try Partitions.ensure(timeZone: Self.shanghai, on: db) == ahead)

            // A period row makes its partitions; a meal booked into a far-future month opens its period and finds one.
            _ = try db.query("INSERT INTO ledger.periods (period) VALUES ('2044-02')")
            #expect(try db.query("SELECT to_regclass('ledger.entries_2044_02') IS NOT NULL AND to_regclass('ledger.seal_lines_2044_02') IS NOT NULL")
                .single().onlyValue(as: Bool.self))
            let farMeal = UUID()
            #expect(try db.query(LeastPrivilegeTests.postMeal(farMeal, localDate: "2045-07-01", period: "2045-07")).count == 1)
            #expect(try Self.partition(of: farMeal, on: db) == "ledger.entries_2045_07")
            #expect(try db.query("SELECT count(*) FROM ledger.seal_lines_2045_07").single().onlyValue(as: Int.self) == 1)

            // No default partition collects rows unseen: a month without a partition fails loudly.
            #expect(try db.query("""
                SELECT count(*) FILTER (WHERE partdefid <> 0) || '/' || count(*) FROM pg_partitioned_table
                WHERE partrelid IN ('ledger.entries'::regclass, 'ledger.seal_lines'::regclass, 'archive.entries'::regclass, 'archive.seal_lines'::regclass)
                """).single().onlyValue(as: String.self) == "0/4")
        }
    }

    @Test("meals at 23:59:59 on a month's last day and at 00:00:00 the next land in their two months; a late one in the next")
    func monthBoundaryAndLateEntries() throws {
        try AuditFixture.with { fixture in
            let db = fixture.db
            var ids: [String: UUID] = [:]
            for occurred in ["2031-05-31T23:59:59+08:00", "2031-06-01T00:00:00+08:00"] {
                let at = try #require(ISO8601DateFormatter().date(from: occurred))
                let id = UUID()
                ids[occurred] = id
                _ = try db.query(LeastPrivilegeTests.postMeal(
                    id, localDate: LocalDate.containing(at, in: Self.shanghai).description,
                    period: Period.containing(at, in: Self.shanghai).description, occurredAt: occurred))
            }
            #expect(try Self.partition(of: ids["2031-05-31T23:59:59+08:00"]!, on: db) == "ledger.entries_2031_05")
            #expect(try Self.partition(of: ids["2031-06-01T00:00:00+08:00"]!, on: db) == "ledger.entries_2031_06")

            try fixture.close("2031-05")
            let late = UUID()
            #expect(try db.query(LeastPrivilegeTests.postMeal(late, localDate: "2031-05-31", period: "2031-06", late: true)).count == 1)
            #expect(try Self.partition(of: late, on: db) == "ledger.entries_2031_06")
        }
    }

    @Test("append-only holds on every partition, attached or archived, for the owner too; inserts go through the parent")
    func appendOnlyPartitions() throws {
        try AuditFixture.with { fixture in
            let db = fixture.db
            for table in ["ledger.entries_2031_04", "ledger.seal_lines_2031_04"] {
                AuditFixture.expectRefusal("23001", saying: "is append-only: UPDATE refused") {
                    _ = try db.query(PostgresQuery(unsafeSQL: "UPDATE \(table) SET period = period"))
                }
                AuditFixture.expectRefusal("23001", saying: "is append-only: DELETE refused") {
                    _ = try db.query(PostgresQuery(unsafeSQL: "DELETE FROM \(table)"))
                }
                AuditFixture.expectRefusal("23001", saying: "is append-only: TRUNCATE refused") {
                    _ = try db.query(PostgresQuery(unsafeSQL: "TRUNCATE \(table)"))
                }
                AuditFixture.expectRefusal("23001", saying: "is a partition: INSERT refused") {
                    _ = try db.query(PostgresQuery(unsafeSQL: "INSERT INTO \(table) SELECT * FROM \(table)"))
                }
            }
            AuditFixture.expectRefusal("23001", saying: "ledger.entries is append-only: UPDATE refused in its partition ledger.entries_2031_05; undo a meal with a void entry") {
                _ = try db.query("UPDATE ledger.entries_2031_05 SET gross_fen = 1")
            }
            try Partitions.archive(Period(parsing: "2031-04"), on: db)
            AuditFixture.expectRefusal("23001", saying: "archive.entries is append-only: DELETE refused in its partition archive.entries_2031_04") {
                _ = try db.query("DELETE FROM archive.entries_2031_04")
            }
            AuditFixture.expectRefusal("23001", saying: "is append-only: TRUNCATE refused") {
                _ = try db.query("TRUNCATE archive.seal_lines_2031_04")
            }
        }
    }

    @Test("a closed month is archived and still verified, by the owner and by an auditor; an open one is refused")
    func archiveAndVerify() throws {
        try AuditFixture.with { fixture in
            let db = fixture.db
            let april = try Period(parsing: "2031-04")
            let sealed = try Reconciliations.verify(period: april, on: db)
            try Partitions.archive(april, on: db)
            #expect(try Self.partition(of: fixture.aprilMealR1, on: db) == "archive.entries_2031_04")
            #expect(try db.query("SELECT count(*) FROM ledger.entries WHERE period = '2031-04'").single().onlyValue(as: Int.self) == 0)
            #expect(try Reconciliations.verify(period: april, on: db) == sealed)
            #expect(try Reconciliations.sealLineDifferences(period: april, on: db).isEmpty)
            let (verified, meals) = try fixture.asLogin(grantedRole: "ledger_auditor") { auditor in
                (try auditor.query("SELECT audit.verify_period('2031-04')").single().onlyValue(as: Bool.self),
                 try auditor.query("SELECT count(*) FROM audit.meals WHERE period = '2031-04'").single().onlyValue(as: Int.self))
            }
            #expect(verified && meals == 3, "verified \(verified), \(meals) meals of the archived month in audit.meals")
            let listed = try Partitions.list(on: db)
            let aprilRow = listed.first { $0.period == april }
            #expect(aprilRow?.place == .archived && aprilRow?.closed == true && aprilRow?.entries == 4)

            var refusal: LedgerRefusal?
            do { try Partitions.archive(Period(parsing: "2031-05"), on: db) } catch let error as LedgerRefusal { refusal = error }
            #expect(refusal?.message.contains("period 2031-05 is not closed") == true, "\(String(describing: refusal))")
            #expect(try Self.partition(of: fixture.mayMeal, on: db) == "ledger.entries_2031_05")

            try Partitions.restore(april, on: db)
            #expect(try Self.partition(of: fixture.aprilMealR1, on: db) == "ledger.entries_2031_04")
            #expect(try Reconciliations.verify(period: april, on: db) == sealed)
        }
    }

    @Test("a month's queries with the period as a parameter read that month's partition only (pruned at execution)")
    func pruning() throws {
        try AuditFixture.with { fixture in
            let db = fixture.db
            try db.execute(script: """
                SET plan_cache_mode = force_generic_plan;
                PREPARE month_meals(text) AS SELECT count(*) FROM ledger.entries WHERE kind = 'meal' AND period = $1;
                PREPARE month_lines(text) AS SELECT count(*) FROM ledger.period_lines_keyed($1, '\\x00'::bytea);
                """)
            for statement in ["month_meals", "month_lines"] {
                let plan = try db.query(PostgresQuery(unsafeSQL: "EXPLAIN (ANALYZE, COSTS OFF) EXECUTE \(statement)('2031-04')"))
                    .map { try $0.decode("QUERY PLAN", as: String.self) }.joined(separator: "\n")
                #expect(plan.contains("Subplans Removed"), "\(plan)")
                #expect(plan.contains("entries_2031_04") && !plan.contains("entries_2031_05"), "\(plan)")
            }
        }
    }

    /// How many scans each partition of ledger.entries has had, with this connection's own counts flushed first.
    static func entryScans(on db: PostgresConnection) throws -> [String: Int64] {
        _ = try db.query("SELECT pg_stat_force_next_flush()")
        var scans: [String: Int64] = [:]
        for row in try db.query("""
            SELECT relname, seq_scan + coalesce(idx_scan, 0) AS scans FROM pg_stat_user_tables
            WHERE schemaname = 'ledger' AND relname ~ '^entries_[0-9]{4}_[0-9]{2}$'
            """) {
            scans[try row.decode("relname", as: String.self)] = try row.decode("scans", as: Int64.self)
        }
        return scans
    }

    /// The partitions of ledger.entries that `query` read (by any scan), in name order.
    static func partitionsRead(by query: PostgresQuery, on db: PostgresConnection) throws -> [String] {
        let before = try entryScans(on: db)
        _ = try db.query(query)
        let after = try entryScans(on: db)
        return after.filter { $0.value > before[$0.key, default: 0] }.map(\.key).sorted()
    }

    @Test("a meal's checks read its own month and later ones only: the id through entry_ids, the day's meals from the day's month on")
    func mealPathReadsItsMonths() throws {
        try AuditFixture.with { fixture in
            let db = fixture.db
            _ = try Partitions.ensure(timeZone: Self.shanghai, on: db)
            // A replay of April's meal: found through entry_ids in April's partition; no month before April is read.
            let replay: PostgresQuery = """
                SELECT existing_kind, meals_today FROM ledger.meal_contexts(ARRAY[\(fixture.aprilMealR1)]::uuid[],
                    ARRAY[\(AuditFixture.card1)]::text[], ARRAY['2031-04-10']::date[], ARRAY['2031-04']::text[],
                    ARRAY['fingerprint']::text[], ARRAY[NULL]::int8[])
                """
            #expect(try db.query(replay).single().decode("existing_kind", as: String?.self) == "meal")
            let read = try Self.partitionsRead(by: replay, on: db)
            let earlier = read.filter { $0 < "entries_2031_04" }
            #expect(read.contains("entries_2031_04") && earlier.isEmpty, "months before April were read: \(read)")

            // A card's meals of a May day (a meal that no void undid): April's partition and the months before are pruned.
            #expect(try db.query("SELECT ledger.card_meals_on_day(\(AuditFixture.card1), '2031-05-02')").single().onlyValue(as: Int.self) == 1)
            let readForDay = try Self.partitionsRead(by: "SELECT ledger.card_meals_on_day(\(AuditFixture.card1), '2031-05-02')", on: db)
            let beforeMay = readForDay.filter { $0 < "entries_2031_05" }
            #expect(readForDay.first == "entries_2031_05" && beforeMay.isEmpty, "\(readForDay)")
        }
    }

    @Test("a new month's partitions are attached while other months are being written (no lock that queues the meals)")
    func partitionsMadeBesideWriters() throws {
        try AuditFixture.with { fixture in
            let writer = fixture.db
            let maker = try fixture.scratch.connect()
            defer { maker.close() }
            // A meal being written into May holds ROW EXCLUSIVE on ledger.entries until it commits.
            try writer.execute(script: "BEGIN")
            #expect(try writer.query(LeastPrivilegeTests.postMeal()).count == 1)
            try maker.execute(script: "SET lock_timeout = '3s'")
            #expect(try maker.query("SELECT ledger.make_month_partitions('2046-03')").single().onlyValue(as: Int.self) == 2)
            try writer.execute(script: "COMMIT")
            let attached = try maker.query("""
                SELECT string_agg(c.relname || ':' || pg_get_expr(c.relpartbound, c.oid), ',' ORDER BY c.relname)
                FROM pg_class c WHERE c.relname IN ('entries_2046_03', 'seal_lines_2046_03') AND c.relispartition
                """).single().onlyValue(as: String.self)
            #expect(attached == "entries_2046_03:FOR VALUES IN ('2046-03'),seal_lines_2046_03:FOR VALUES IN ('2046-03')")
            // Attached like the others: the parent's row triggers, keys and indexes are on it, and a meal lands there.
            let meal = UUID()
            #expect(try maker.query(LeastPrivilegeTests.postMeal(meal, localDate: "2046-03-02", period: "2046-03")).count == 1)
            #expect(try Self.partition(of: meal, on: maker) == "ledger.entries_2046_03")
            AuditFixture.expectRefusal("23001", saying: "append-only", note: "UPDATE in the attached partition") {
                _ = try maker.query("UPDATE ledger.entries SET gross_fen = 1 WHERE id = \(meal)")
            }
            #expect(try maker.query("""
                SELECT count(*) FROM pg_indexes WHERE schemaname = 'ledger' AND tablename = 'entries_2046_03'
                """).single().onlyValue(as: Int.self) == (try maker.query("""
                SELECT count(*) FROM pg_indexes WHERE schemaname = 'ledger' AND tablename = 'entries_2031_05'
                """).single().onlyValue(as: Int.self)))
        }
    }
}
