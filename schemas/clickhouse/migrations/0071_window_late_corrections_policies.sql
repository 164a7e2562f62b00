-- requires: 20.5
-- guard: SELECT count() > 0 FROM system.user_directories WHERE type != 'users_xml'
-- The late corrections table gets the tenant reader's grant and the row policies of 0009.
GRANT SELECT ON {{database}}.window_late_corrections TO {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_tenant_rows ON {{database}}.window_late_corrections FOR SELECT
    USING startsWith(currentUser(), 'tenant:') AND tenant_id = substring(currentUser(), 8)
    TO {{database}}_tenant_reader;
CREATE ROW POLICY IF NOT EXISTS {{database}}_all_rows ON {{database}}.window_late_corrections FOR SELECT
    USING 1 TO ALL EXCEPT {{database}}_tenant_reader;
