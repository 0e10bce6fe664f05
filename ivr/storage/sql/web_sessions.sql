-- name: create
INSERT INTO web_sessions (token_hash, staff_id, csrf_token, expires_at)
VALUES ($1, $2, $3, now() + $4::interval)
RETURNING created_at, expires_at;

-- name: touch
-- Load a live session (not past its absolute expiry, not idle too long) and mark it seen.
WITH live AS (
    UPDATE web_sessions
    SET last_seen_at = now()
    WHERE token_hash = $1
      AND expires_at > now()
      AND last_seen_at > now() - $2::interval
    RETURNING token_hash, staff_id, csrf_token, created_at, expires_at
)
SELECT live.token_hash, live.staff_id, live.csrf_token, live.created_at, live.expires_at,
       s.email, s.display_name, s.role, s.disabled
FROM live
LEFT JOIN staff s ON s.id = live.staff_id;

-- name: delete
DELETE FROM web_sessions WHERE token_hash = $1;

-- name: delete_for_staff
DELETE FROM web_sessions WHERE staff_id = $1 AND token_hash <> $2;

-- name: purge_expired
DELETE FROM web_sessions
WHERE expires_at <= now() OR last_seen_at <= now() - $1::interval;

-- name: count_active
SELECT count(*) FROM web_sessions
WHERE staff_id IS NOT NULL AND expires_at > now() AND last_seen_at > now() - $1::interval;
