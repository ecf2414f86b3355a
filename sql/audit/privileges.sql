-- What each role may do in the schemas ledger and audit, straight from the catalog: one line per role, privilege
-- and object, for every role but the owner of the objects (the role that runs `ledgerctl migrate`), PUBLIC included.
-- docs/privileges.md holds this listing as it must be; a test compares the two after every migration, so that no
-- migration widens a role unnoticed. Run it as any role: psql -At -f sql/audit/privileges.sql
WITH objects AS (
    SELECT 'schema' AS kind, n.nspname::text AS name, n.nspacl AS acl, n.nspowner AS owner
    FROM pg_namespace n WHERE n.nspname IN ('ledger', 'audit')
    UNION ALL
    SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'S' THEN 'sequence' WHEN 'm' THEN 'view' ELSE 'table' END,
           n.nspname || '.' || c.relname, c.relacl, c.relowner
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('ledger', 'audit') AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
    UNION ALL
    SELECT 'column', n.nspname || '.' || c.relname || '(' || a.attname || ')', a.attacl, c.relowner
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname IN ('ledger', 'audit') AND a.attacl IS NOT NULL AND NOT a.attisdropped
    UNION ALL
    SELECT 'function', p.oid::regprocedure::text, p.proacl, p.proowner
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE n.nspname IN ('ledger', 'audit')
),
granted AS (
    -- A NULL acl means the default: the owner's rights, and EXECUTE for PUBLIC on functions.
    SELECT o.kind, o.name, (aclexplode(coalesce(o.acl, acldefault(
               (CASE o.kind WHEN 'schema' THEN 'n' WHEN 'function' THEN 'f' WHEN 'sequence' THEN 's' ELSE 'r' END)::"char",
               o.owner)))).*, o.owner
    FROM objects o
    WHERE o.kind <> 'column' OR o.acl IS NOT NULL
)
SELECT CASE g.grantee WHEN 0 THEN 'PUBLIC' ELSE pg_get_userbyid(g.grantee) END AS role,
       g.privilege_type AS privilege,
       g.kind,
       g.name AS object
FROM granted g
WHERE g.grantee <> g.owner
UNION ALL
SELECT r.rolname, 'MEMBER OF', 'role', m.rolname
FROM pg_auth_members am JOIN pg_roles r ON r.oid = am.member JOIN pg_roles m ON m.oid = am.roleid
WHERE m.rolname LIKE 'ledger\_%' AND r.rolname LIKE 'ledger\_%'
ORDER BY 1, 4, 2;
