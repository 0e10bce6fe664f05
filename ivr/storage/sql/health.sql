-- name: schema_version
SELECT max(version) FROM schema_migrations;
