-- requires: 20.5
-- guard: SELECT count() > 0 FROM system.user_directories WHERE type != 'users_xml'
-- A read-only role for analysts (SQL-driven access control, 20.5+). The guard skips it where access
-- entities cannot be created from SQL (e.g. embedded chDB, or a server with only users.xml storage).
-- On 18.16 use the `analyst` user of infra/clickhouse/users.xml (readonly profile) instead.
-- Grant it with: GRANT {{database}}_analyst TO <user>;
CREATE ROLE IF NOT EXISTS {{database}}_analyst;
GRANT SELECT ON {{database}}.* TO {{database}}_analyst;
