-- name: ping
SELECT 1;

-- name: schema_version
SELECT max(version) FROM schema_migrations;
