-- Monthly partitions of ledger.entries and ledger.seal_lines (issue 17, docs/scale.md "Monthly partitions").
--
-- Both tables become declaratively partitioned by the booked period, PARTITION BY LIST (period), one partition a
-- month named after it (ledger.entries_2026_11, ledger.seal_lines_2026_11). LIST, not RANGE: a period is a label
-- ('YYYY-MM'), not an interval of a continuous key; each partition holds exactly one value, which every query of a
-- month names (`period = $1`: pruned at plan time for a constant, at execution time for a parameter), and a period
-- without a partition fails loudly instead of falling into a neighbour's range. There is NO default partition: a row
-- for a month without a partition would fail, so partitions are made ahead and on demand instead:
--   - ledger.ensure_partitions(months_ahead, time_zone) makes the current month's and the next months' partitions
--     (ledgerctl migrate and ledgerd's scheduler call it, at start and daily), and one for every period row that
--     lacks one;
--   - a new ledger.periods row makes its month's partitions in the same transaction (trigger periods_partitions), and
--     every entry's period is a periods row first (entries_period_fkey; ledger.post_meals and ledger.post_void open
--     the period before they insert), so a late entry booked into next month or a far-future meal never lacks one.
--
-- Each partition carries a CHECK (period = 'YYYY-MM') of its own, made while it is empty, so that detaching it for the
-- archive and attaching it again never scans it (ledger.archive_period, ledger.restore_period below).
--
-- What partitioning breaks, and the design for it:
--   - A primary key of a partitioned table must include the partition key: entries' key is (id, period). An entry id
--     stays unique across all months through ledger.entry_ids (id PRIMARY KEY, period, voided_entry_id UNIQUE), filled
--     by an AFTER INSERT statement trigger on ledger.entries from its transition table, in the inserting statement.
--     A repeated id in another month is a unique violation there (23505), as it was on entries_pkey, so idempotent
--     replays behave as before; "a meal is voided at most once" (the old UNIQUE (voided_entry_id)) is its UNIQUE
--     (voided_entry_id); deliveries.meal_entry_id references it instead of entries.
--   - An entry looked up by id alone (replays, voids, the void's meal) probes each partition's (id, period) index;
--     the void's meal by voided_entry_id probes each partition's entries_voided_entry index.
--   - Statement triggers fire only on the table a statement names: the parent's triggers (period check, seal lines,
--     entry ids) fire for every INSERT INTO ledger.entries, and each partition refuses an INSERT or TRUNCATE naming it
--     directly. Row triggers (append-only) are cloned by PostgreSQL onto every partition.
--   - Views and functions bind to a table's OID: the views over the old tables are replaced (CREATE OR REPLACE, the
--     same columns, grants and OIDs), and ledger.entry_seal_line, whose argument is the table's row type, is made again.
--
-- The data moves in place, set-based: the old tables are renamed, the partitioned ones made LIKE them (the same
-- columns, checks and defaults), every month's partitions made, the rows copied with one INSERT … SELECT each, and
-- only then the triggers made on the new tables, as the old ones had them: the copy is neither checked against closed
-- periods nor sealed again (its seal lines are copied as they were), and from the end of this migration every
-- refusal is in force again. The old tables are dropped. All of it is this migration's one transaction.
--
-- Archive: a closed month's partitions can be detached from ledger.entries / ledger.seal_lines and attached to
-- archive.entries / archive.seal_lines (owner only; ledgerctl partitions detach|attach). The seal's functions and the
-- audit views read ledger.entries_with_archive and ledger.seal_lines_with_archive, so audit.verify_period, ledgerctl
-- verify and the audit views still see an archived month.

CREATE SCHEMA archive;
REVOKE ALL ON SCHEMA archive FROM PUBLIC;
COMMENT ON SCHEMA archive IS 'closed months detached from ledger.entries and ledger.seal_lines (ledgerctl partitions detach)';

-- The views over the two tables, and the function taking an entry row, as defined now: made again below.
CREATE TEMP TABLE partition_swap_views ON COMMIT DROP AS
SELECT DISTINCT v.oid, v.oid::regclass::text AS name, pg_get_viewdef(v.oid) AS definition
FROM pg_depend d
JOIN pg_rewrite rw ON rw.oid = d.objid
JOIN pg_class v ON v.oid = rw.ev_class
WHERE d.classid = 'pg_rewrite'::regclass AND v.relkind = 'v'
  AND d.refobjid IN ('ledger.entries'::regclass, 'ledger.seal_lines'::regclass);
CREATE TEMP TABLE partition_swap_functions ON COMMIT DROP AS
SELECT p.oid, p.oid::regprocedure::text AS signature, pg_get_functiondef(p.oid) AS definition, p.proacl
FROM pg_proc p
WHERE p.prorettype = 'ledger.entries'::regtype OR 'ledger.entries'::regtype = ANY (p.proargtypes::oid[]);

-- The old tables step aside, with every index and foreign key whose name the new ones take.
ALTER TABLE ledger.deliveries DROP CONSTRAINT deliveries_meal_entry_id_fkey;
ALTER TABLE ledger.entries RENAME TO entries_unpartitioned;
ALTER TABLE ledger.seal_lines RENAME TO seal_lines_unpartitioned;
ALTER TABLE ledger.entries_unpartitioned
    DROP CONSTRAINT entries_voided_entry_id_fkey,
    DROP CONSTRAINT entries_voided_entry_id_key,
    DROP CONSTRAINT entries_pkey,
    DROP CONSTRAINT entries_period_fkey,
    DROP CONSTRAINT entries_restaurant_id_fkey,
    DROP CONSTRAINT entries_terminal_id_fkey;
DROP INDEX ledger.entries_card_day, ledger.entries_period_restaurant, ledger.entries_void_period;
ALTER TABLE ledger.seal_lines_unpartitioned DROP CONSTRAINT seal_lines_pkey;

CREATE TABLE ledger.entries (LIKE ledger.entries_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (period);
ALTER TABLE ledger.entries
    ADD PRIMARY KEY (id, period),
    ADD FOREIGN KEY (period) REFERENCES ledger.periods (period),
    ADD FOREIGN KEY (restaurant_id) REFERENCES ledger.restaurants (id),
    ADD FOREIGN KEY (terminal_id) REFERENCES ledger.terminals (id);
CREATE INDEX entries_card_day ON ledger.entries (card_no, local_date) WHERE kind = 'meal';
CREATE INDEX entries_period_restaurant ON ledger.entries (period, restaurant_id);
CREATE INDEX entries_void_period ON ledger.entries (period, voided_entry_id) WHERE kind = 'void';
CREATE INDEX entries_voided_entry ON ledger.entries (voided_entry_id) WHERE kind = 'void';

CREATE TABLE ledger.seal_lines (LIKE ledger.seal_lines_unpartitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
    PARTITION BY LIST (period);
ALTER TABLE ledger.seal_lines ADD PRIMARY KEY (period, entry_id) INCLUDE (line_sha256);

-- The archive's parents: the same columns and checks; no rows are ever inserted into them, only months attached.
CREATE TABLE archive.entries (LIKE ledger.entries INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (period);
CREATE TABLE archive.seal_lines (LIKE ledger.seal_lines INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY LIST (period);

-- Every entry id once, whatever its month: the global uniqueness a partitioned key cannot give (see the top).
CREATE TABLE ledger.entry_ids (
    id               uuid PRIMARY KEY,
    period           text NOT NULL,
    voided_entry_id  uuid UNIQUE REFERENCES ledger.entry_ids (id)
);
COMMENT ON TABLE ledger.entry_ids IS
    'every entry id of ledger.entries and archive.entries once, with its period: the ids'' global uniqueness, one void a meal, and the target of deliveries.meal_entry_id';
REVOKE ALL ON ledger.entry_ids FROM PUBLIC;

-- Entries and seal lines of every month, attached or archived: what the seal and the audit views read.
CREATE VIEW ledger.entries_with_archive AS
SELECT * FROM ledger.entries UNION ALL SELECT * FROM archive.entries;
CREATE VIEW ledger.seal_lines_with_archive AS
SELECT * FROM ledger.seal_lines UNION ALL SELECT * FROM archive.seal_lines;
REVOKE ALL ON ledger.entries_with_archive, ledger.seal_lines_with_archive FROM PUBLIC;

-- A month's partitions ('YYYY-MM' → entries_YYYY_MM), as relation names.
CREATE FUNCTION ledger.partition_name(p_table text, p_period text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT AS $$ SELECT p_table || '_' || replace(p_period, '-', '_') $$;
REVOKE ALL ON FUNCTION ledger.partition_name(text, text) FROM PUBLIC;

-- A partition of ledger.entries or ledger.seal_lines is written only through its parent, whose statement triggers
-- check and seal what is inserted; an INSERT naming the partition would skip them.
CREATE FUNCTION ledger.refuse_insert_into_partition() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION '%.% is a partition: INSERT refused; insert into % instead, whose triggers check, seal and record each entry',
        TG_TABLE_SCHEMA, TG_TABLE_NAME, pg_partition_root(TG_RELID)::regclass
        USING ERRCODE = 'restrict_violation';
END $$;
REVOKE ALL ON FUNCTION ledger.refuse_insert_into_partition() FROM PUBLIC;

-- Append-only, as 0019 made it, naming the partitioned table (with its advice) when the row is in one of its
-- partitions: "ledger.entries is append-only: UPDATE refused in its partition ledger.entries_2026_11; undo a meal …".
CREATE OR REPLACE FUNCTION ledger.refuse_change_of_final_rows() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, ledger AS $$
DECLARE
    root regclass := coalesce(pg_partition_root(TG_RELID), TG_RELID);
BEGIN
    RAISE EXCEPTION '% is append-only: % refused%; %',
        (SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
         WHERE c.oid = root), TG_OP,
        CASE WHEN root <> TG_RELID THEN format(' in its partition %I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME) ELSE '' END,
        coalesce((SELECT a.advice FROM ledger.append_only_advice a JOIN pg_class c ON c.relname = a.table_name
                  WHERE c.oid = root),
                 'the records of a closed period never change')
        USING ERRCODE = 'restrict_violation';
END $$;
REVOKE ALL ON FUNCTION ledger.refuse_change_of_final_rows() FROM PUBLIC;

-- Makes the month's partition of ledger.entries and of ledger.seal_lines unless it exists, attached or archived;
-- returns how many it made (0 or 2). Serialised by a transaction-scoped advisory lock, so two callers cannot race.
-- CREATE TABLE … PARTITION OF takes an ACCESS EXCLUSIVE lock on the parent for the rest of the transaction: that is
-- why partitions are made ahead (ensure_partitions), and the on-demand path runs only for a month not made ahead.
CREATE FUNCTION ledger.make_month_partitions(p_period text) RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    made integer := 0;
    parent text;
    part text;
BEGIN
    IF p_period IS NULL OR p_period !~ '^[0-9]{4}-(0[1-9]|1[0-2])$' THEN
        RAISE EXCEPTION 'no partition for period %: a period is written YYYY-MM', coalesce(p_period, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    FOREACH parent IN ARRAY ARRAY['entries', 'seal_lines'] LOOP
        part := ledger.partition_name(parent, p_period);
        CONTINUE WHEN to_regclass('ledger.' || part) IS NOT NULL OR to_regclass('archive.' || part) IS NOT NULL;
        PERFORM pg_advisory_xact_lock(hashtext('ledger.make_month_partitions'));
        CONTINUE WHEN to_regclass('ledger.' || part) IS NOT NULL OR to_regclass('archive.' || part) IS NOT NULL;
        EXECUTE format('CREATE TABLE ledger.%I PARTITION OF ledger.%I FOR VALUES IN (%L)', part, parent, p_period);
        EXECUTE format('ALTER TABLE ledger.%I ADD CONSTRAINT %I CHECK (period = %L)', part, part || '_period', p_period);
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON ledger.%I FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_insert_into_partition()',
                       part || '_through_parent', part);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON ledger.%I FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows()',
                       part || '_no_truncate', part);
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;
REVOKE ALL ON FUNCTION ledger.make_month_partitions(text) FROM PUBLIC;

-- The current month (in p_time_zone, the ledger's LEDGER_TZ) and p_months_ahead months after it get their partitions,
-- and so does every period row without them; returns how many months after the current one have partitions in a row
-- (the gauge ledger_partitions_ahead_months). Cheap when nothing is missing: it only looks in the catalog.
CREATE FUNCTION ledger.ensure_partitions(p_months_ahead integer, p_time_zone text DEFAULT 'Asia/Shanghai') RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    this_month date;
    ahead integer := 0;
BEGIN
    IF p_months_ahead IS NULL OR p_months_ahead NOT BETWEEN 0 AND 120 THEN
        RAISE EXCEPTION 'months ahead must be 0 to 120, not %', coalesce(p_months_ahead::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    this_month := date_trunc('month', (now() AT TIME ZONE p_time_zone))::date;
    PERFORM ledger.make_month_partitions(to_char(this_month + make_interval(months => m), 'YYYY-MM'))
    FROM generate_series(0, p_months_ahead) AS m;
    PERFORM ledger.make_month_partitions(p.period) FROM ledger.periods p ORDER BY p.period;
    WHILE to_regclass('ledger.' || ledger.partition_name('entries', to_char(this_month + make_interval(months => ahead + 1), 'YYYY-MM'))) IS NOT NULL LOOP
        ahead := ahead + 1;
    END LOOP;
    RETURN ahead;
END $$;
REVOKE ALL ON FUNCTION ledger.ensure_partitions(integer, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION ledger.ensure_partitions(integer, text) TO ledger_app;

-- A new period row makes its month's partitions at once, in the transaction that opens the period.
CREATE FUNCTION ledger.make_period_partitions() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ledger.make_month_partitions(NEW.period);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ledger.make_period_partitions() FROM PUBLIC;

-- Every month that holds entries or has a period row gets its partitions, and so do this month and the next three
-- (ledgerctl migrate says so again with the ledger's own time zone); then the rows move, set-based.
SELECT count(ledger.make_month_partitions(m.period)) AS months
FROM (SELECT DISTINCT period FROM ledger.entries_unpartitioned UNION SELECT DISTINCT period FROM ledger.seal_lines_unpartitioned) m;
SELECT ledger.ensure_partitions(3) AS months_ahead;
INSERT INTO ledger.entries SELECT * FROM ledger.entries_unpartitioned;
INSERT INTO ledger.seal_lines SELECT * FROM ledger.seal_lines_unpartitioned;
INSERT INTO ledger.entry_ids (id, period, voided_entry_id)
SELECT id, period, voided_entry_id FROM ledger.entries_unpartitioned;

-- The ids of every later insert, in the same statement.
CREATE FUNCTION ledger.store_entry_ids() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO ledger.entry_ids (id, period, voided_entry_id) SELECT n.id, n.period, n.voided_entry_id FROM new_entries n;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION ledger.store_entry_ids() FROM PUBLIC;

-- The old tables' triggers, on the new parents now that the rows are in (row triggers are cloned onto every
-- partition by PostgreSQL; statement triggers fire for statements naming the parent), then the new ones.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tg.tgname, pg_get_triggerdef(tg.oid) AS definition, c.relname
             FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
             WHERE tg.tgrelid IN ('ledger.entries_unpartitioned'::regclass, 'ledger.seal_lines_unpartitioned'::regclass)
               AND NOT tg.tgisinternal LOOP
        EXECUTE replace(t.definition, 'ON ledger.' || t.relname || ' ',
                        'ON ledger.' || replace(t.relname, '_unpartitioned', '') || ' ');
    END LOOP;
END $$;
CREATE TRIGGER entries_ids AFTER INSERT ON ledger.entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION ledger.store_entry_ids();
-- The archive's parents are append-only as well, and take no inserts: months are attached to them, nothing else.
DO $$
DECLARE
    parent text;
BEGIN
    FOREACH parent IN ARRAY ARRAY['entries', 'seal_lines'] LOOP
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE ON archive.%I FOR EACH ROW EXECUTE FUNCTION ledger.refuse_change_of_final_rows()',
                       'archive_' || parent || '_append_only', parent);
        EXECUTE format('CREATE TRIGGER %I BEFORE TRUNCATE ON archive.%I FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_change_of_final_rows()',
                       'archive_' || parent || '_no_truncate', parent);
        EXECUTE format('CREATE TRIGGER %I BEFORE INSERT ON archive.%I FOR EACH STATEMENT EXECUTE FUNCTION ledger.refuse_insert_into_partition()',
                       'archive_' || parent || '_no_insert', parent);
    END LOOP;
END $$;
CREATE TRIGGER periods_partitions AFTER INSERT ON ledger.periods
    FOR EACH ROW EXECUTE FUNCTION ledger.make_period_partitions();

ALTER TABLE ledger.deliveries ADD CONSTRAINT deliveries_meal_entry_id_fkey
    FOREIGN KEY (meal_entry_id) REFERENCES ledger.entry_ids (id);

-- The grants of the old tables, on the new ones; who may read a table may read its view with the archive too (the
-- seal's functions, which staff call for the two-person close, read those views).
DO $$
DECLARE
    g record;
BEGIN
    FOR g IN SELECT replace(c.relname, '_unpartitioned', '') AS tbl, a.privilege_type,
                    CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END AS grantee
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid IN ('ledger.entries_unpartitioned'::regclass, 'ledger.seal_lines_unpartitioned'::regclass)
               AND a.grantee <> c.relowner LOOP
        EXECUTE format('GRANT %s ON ledger.%I TO %s', g.privilege_type, g.tbl, g.grantee);
        IF g.privilege_type = 'SELECT' THEN
            EXECUTE format('GRANT SELECT ON ledger.%I TO %s', g.tbl || '_with_archive', g.grantee);
        END IF;
    END LOOP;
END $$;

-- The functions over an entry row (ledger.entry_seal_line, ledger.live_meals), made again for the new row type, with
-- the same grants; the old ones go with the old table.
DO $$
DECLARE
    f record;
    grantee text;
BEGIN
    FOR f IN SELECT s.signature, s.definition, s.proacl, p.oid::regprocedure AS old_signature
             FROM partition_swap_functions s JOIN pg_proc p ON p.oid = s.oid LOOP
        EXECUTE format('DROP FUNCTION %s', f.old_signature);
        EXECUTE f.definition;
        CONTINUE WHEN f.proacl IS NULL;
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC',
                       f.signature::regprocedure);
        FOR grantee IN SELECT CASE a.grantee WHEN 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END
                       FROM aclexplode(f.proacl) a WHERE a.privilege_type = 'EXECUTE' LOOP
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO %s',
                           f.signature::regprocedure, grantee);
        END LOOP;
    END LOOP;
END $$;

-- The views, over every month, attached or archived: the same text, the same columns, the same OIDs and grants.
DO $$
DECLARE
    v record;
BEGIN
    FOR v IN SELECT name, definition FROM partition_swap_views ORDER BY oid LOOP
        EXECUTE format('CREATE OR REPLACE VIEW %s AS %s', v.name,
                       regexp_replace(regexp_replace(v.definition, 'ledger\.entries\M', 'ledger.entries_with_archive', 'g'),
                                      'ledger\.seal_lines\M', 'ledger.seal_lines_with_archive', 'g'));
    END LOOP;
END $$;

-- The seal read from every month, attached or archived (the same recipes as 0011 and 0012).
CREATE OR REPLACE FUNCTION ledger.period_lines(p_period text)
 RETURNS TABLE(entry_id uuid, line_sha256 bytea)
 LANGUAGE sql
 STABLE
AS $function$
    SELECT e.id, sha256(convert_to(ledger.entry_seal_line(ROW(e.*)::ledger.entries, r.code, t.name, c.card_ref), 'UTF8'))
    FROM ledger.entries_with_archive e
    JOIN ledger.restaurants r ON r.id = e.restaurant_id
    JOIN ledger.terminals t ON t.id = e.terminal_id
    LEFT JOIN (SELECT card_no, ledger.card_ref(card_no) AS card_ref FROM ledger.entries_with_archive
               WHERE period = p_period GROUP BY card_no) c
        ON c.card_no = e.card_no
    WHERE e.period = p_period
$function$;

CREATE OR REPLACE FUNCTION ledger.period_digest_v2_stored(p_period text)
 RETURNS text
 LANGUAGE sql
 STABLE
AS $function$
    SELECT CASE WHEN l.lines = (SELECT count(*) FROM ledger.entries_with_archive e WHERE e.period = p_period)
                THEN encode(sha256(l.hashes), 'hex') END
    FROM (SELECT count(*) AS lines, coalesce(string_agg(o.line_sha256, ''::bytea), '') AS hashes
          FROM (SELECT s.line_sha256 FROM ledger.seal_lines_with_archive s WHERE s.period = p_period ORDER BY s.entry_id) o) l
$function$;

CREATE OR REPLACE FUNCTION ledger.seal_line_differences(p_period text)
 RETURNS TABLE(entry_id uuid, difference text)
 LANGUAGE sql
 STABLE
AS $function$
    SELECT coalesce(n.entry_id, s.entry_id),
           CASE WHEN s.entry_id IS NULL THEN 'unsealed' WHEN n.entry_id IS NULL THEN 'removed' ELSE 'changed' END
    FROM ledger.period_lines(p_period) n
    FULL JOIN (SELECT x.entry_id, x.line_sha256 FROM ledger.seal_lines_with_archive x WHERE x.period = p_period) s
        ON s.entry_id = n.entry_id
    WHERE n.entry_id IS NULL OR s.entry_id IS NULL OR n.line_sha256 <> s.line_sha256
    ORDER BY 1
$function$;

-- ledger.post_meals and ledger.post_void skip an id already stored (a replay) with ON CONFLICT (id) DO NOTHING; the
-- conflict target of a partitioned table is its key, (id, period). A replay into another period than the stored
-- entry's meets entry_ids' key instead (23505), which the daemon treats as before: it judges the request again and
-- finds the stored entry.
DO $$
DECLARE
    f record;
BEGIN
    FOR f IN SELECT pg_get_functiondef(p.oid) AS definition FROM pg_proc p
             WHERE p.pronamespace = 'ledger'::regnamespace AND p.prosrc ~ 'INSERT INTO ledger\.entries\M'
               AND p.prosrc ~ 'ON CONFLICT \(id\) DO NOTHING' LOOP
        EXECUTE replace(f.definition, 'ON CONFLICT (id) DO NOTHING', 'ON CONFLICT (id, period) DO NOTHING');
    END LOOP;
END $$;

DROP TABLE ledger.entries_unpartitioned;
DROP TABLE ledger.seal_lines_unpartitioned;

-- Archive: a closed month's partitions leave ledger.entries and ledger.seal_lines for archive.entries and
-- archive.seal_lines, keeping their names (archive.entries_2026_10). DETACH PARTITION (not CONCURRENTLY, which cannot
-- run in a transaction) takes an ACCESS EXCLUSIVE lock on the partition and a SHARE UPDATE EXCLUSIVE lock on the
-- parent until commit: meals of other months are written meanwhile; readers of the parent wait for the commit. ATTACH
-- to the archive's parent takes the same locks and skips the scan, since the partition's own CHECK (period = …)
-- proves its rows belong there. Owner only (no grants), refused for a period that is not closed (LD003).
CREATE FUNCTION ledger.archive_period(p_period text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ledger.move_month_partitions(p_period, 'ledger', 'archive');
END $$;
CREATE FUNCTION ledger.restore_period(p_period text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM ledger.move_month_partitions(p_period, 'archive', 'ledger');
END $$;

-- Moves a month's two partitions from one schema's parents to the other's (ledger ⇄ archive).
CREATE FUNCTION ledger.move_month_partitions(p_period text, p_from text, p_to text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    parent text;
    part text;
BEGIN
    PERFORM 1 FROM ledger.periods p WHERE p.period = p_period AND p.status = 'closed' FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'period % is not closed: only a closed month''s partitions leave ledger.entries for the archive; close it first (ledgerctl reconcile or close approve)', p_period
            USING ERRCODE = 'LD003';
    END IF;
    IF to_regclass(p_from || '.' || ledger.partition_name('entries', p_period)) IS NULL THEN
        RAISE EXCEPTION 'period % has no partitions in schema %: %', p_period, p_from,
            CASE p_from WHEN 'ledger' THEN 'it is archived already (ledgerctl partitions list)'
                        ELSE 'it is not archived (ledgerctl partitions list)' END
            USING ERRCODE = 'LD003';
    END IF;
    FOREACH parent IN ARRAY ARRAY['entries', 'seal_lines'] LOOP
        part := ledger.partition_name(parent, p_period);
        EXECUTE format('ALTER TABLE %I.%I DETACH PARTITION %I.%I', p_from, parent, p_from, part);
        EXECUTE format('ALTER TABLE %I.%I SET SCHEMA %I', p_from, part, p_to);
        EXECUTE format('ALTER TABLE %I.%I ATTACH PARTITION %I.%I FOR VALUES IN (%L)', p_to, parent, p_to, part, p_period);
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION ledger.archive_period(text), ledger.restore_period(text),
    ledger.move_month_partitions(text, text, text) FROM PUBLIC;

-- What ledgerctl partitions list shows: each month's entries partition, where it is, its rows and size (with its
-- seal lines), and whether the period is closed.
CREATE FUNCTION ledger.month_partitions()
RETURNS TABLE (period text, place text, entries bigint, bytes bigint, closed boolean)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    m record;
BEGIN
    FOR m IN SELECT pg_get_expr(c.relpartbound, c.oid) AS bound, n.nspname, c.relname, c.oid
             FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE i.inhparent IN ('ledger.entries'::regclass, 'archive.entries'::regclass) LOOP
        period := substring(m.bound FROM '''([0-9]{4}-[0-9]{2})''');
        place := CASE m.nspname WHEN 'ledger' THEN 'attached' ELSE 'archived' END;
        EXECUTE format('SELECT count(*) FROM %I.%I', m.nspname, m.relname) INTO entries;
        bytes := pg_total_relation_size(m.oid)
                 + coalesce(pg_total_relation_size(to_regclass(quote_ident(m.nspname) || '.' || quote_ident(ledger.partition_name('seal_lines', period)))), 0);
        closed := coalesce((SELECT p.status = 'closed' FROM ledger.periods p WHERE p.period = month_partitions.period), false);
        RETURN NEXT;
    END LOOP;
END $$;
REVOKE ALL ON FUNCTION ledger.month_partitions() FROM PUBLIC;
