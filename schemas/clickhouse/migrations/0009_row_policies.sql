-- requires: 20.5
-- guard: SELECT count() > 0 FROM system.user_directories WHERE type != 'users_xml'
-- Per-tenant row policies (SQL-driven access control, 20.5+). The guard skips them where access entities
-- cannot be created from SQL (embedded chDB, a server with only users.xml storage); 18.16 skips them by
-- version: there, give each tenant its own read-only user on views filtered by tenant_id instead.
--
-- One role, {{database}}_tenant_reader, may SELECT the three tables; a row policy shows a member of it
-- only the rows of its own tenant, read from its user name: a user named `tenant:<tenant_id>` sees
-- tenant_id = '<tenant_id>'. Rows with tenant_id NULL (alerts over several tenants) are never shown to
-- it. Creating a tenant's user is an operator step, not a migration (docs/operations.md):
--   CREATE USER `tenant:acme` IDENTIFIED WITH sha256_password BY '<secret>'
--       DEFAULT ROLE {{database}}_tenant_reader SETTINGS readonly = 1;
--   GRANT {{database}}_tenant_reader TO `tenant:acme`;
-- An explicit policy per tenant works too (e.g. for a group of users of one tenant):
--   CREATE ROLE {{database}}_tenant_acme;
--   CREATE ROW POLICY {{database}}_tenant_acme ON {{database}}.events FOR SELECT
--       USING tenant_id = 'acme' TO {{database}}_tenant_acme;
--
-- Once a table has a row policy, users it does not name see no rows of it. The *_all_rows policies keep
-- every other user (the writer, the analyst role of 0008, admins) seeing everything.
CREATE ROLE IF NOT EXISTS {{database}}_tenant_reader;
GRANT SELECT ON {{database}}.events TO {{database}}_tenant_reader;
GRANT SELECT ON {{database}}.window_aggregates TO {{database}}_tenant_reader;
GRANT SELECT ON {{database}}.alerts TO {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_tenant_rows ON {{database}}.events FOR SELECT
    USING startsWith(currentUser(), 'tenant:') AND tenant_id = substring(currentUser(), 8)
    TO {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_tenant_rows ON {{database}}.window_aggregates FOR SELECT
    USING startsWith(currentUser(), 'tenant:') AND tenant_id = substring(currentUser(), 8)
    TO {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_tenant_rows ON {{database}}.alerts FOR SELECT
    USING startsWith(currentUser(), 'tenant:') AND tenant_id = substring(currentUser(), 8)
    TO {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_all_rows ON {{database}}.events FOR SELECT
    USING 1 TO ALL EXCEPT {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_all_rows ON {{database}}.window_aggregates FOR SELECT
    USING 1 TO ALL EXCEPT {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_all_rows ON {{database}}.alerts FOR SELECT
    USING 1 TO ALL EXCEPT {{database}}_tenant_reader;
