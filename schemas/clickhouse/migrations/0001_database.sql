-- The pipeline's database. `{{database}}` is replaced by the runner (plain text: ClickHouse 18.16 has no
-- query parameters), after checking that the name is a plain identifier.
CREATE DATABASE IF NOT EXISTS {{database}};
