-- name: referenced_files
-- The files the database refers to, as the archive names them: staff recordings
-- (relative to the recordings directory) and the alert audio the PBX plays (a path
-- inside its root, without the .wav suffix).
SELECT 'recordings/' || voice_recording AS name
FROM alert_contents WHERE voice_recording IS NOT NULL
UNION
SELECT 'recordings/' || path FROM phone_recordings
UNION
SELECT 'audio' || sound_name || '.wav' FROM alert_audio
ORDER BY name;

-- name: server_version
SELECT current_setting('server_version_num')::int;

-- name: tables
-- Tables, views and sequences outside the system's schemas: none in an empty database.
SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg_toast%';
