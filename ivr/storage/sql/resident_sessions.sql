-- name: create
-- $5..$7: the number being proven, its purpose, and for how long it stays proven (NULL
-- while its code is still awaited).
INSERT INTO resident_sessions (token_hash, account_id, csrf_token, expires_at,
                               flow_phone_e164, flow_purpose, flow_proven_until)
VALUES ($1, $2, $3, now() + $4::interval, $5, $6, now() + $7::interval)
RETURNING created_at, expires_at;

-- name: touch
-- Load a live session (not past its absolute expiry, not idle too long, its account not
-- deleted) and mark it seen.
WITH live AS (
    UPDATE resident_sessions
    SET last_seen_at = now()
    WHERE token_hash = $1
      AND expires_at > now()
      AND last_seen_at > now() - $2::interval
    RETURNING token_hash, account_id, csrf_token, created_at, expires_at, flow_phone_e164,
              flow_purpose, flow_proven_until > now() AS flow_proven
)
SELECT live.*, a.phone_e164 AS account_phone
FROM live
LEFT JOIN resident_accounts a ON a.id = live.account_id AND a.deleted_at IS NULL
WHERE live.account_id IS NULL OR a.id IS NOT NULL;

-- name: start_flow
-- A number to prove, awaiting its code (anything proven before is forgotten).
UPDATE resident_sessions
SET flow_phone_e164 = $2, flow_purpose = $3, flow_proven_until = NULL
WHERE token_hash = $1;

-- name: delete
DELETE FROM resident_sessions WHERE token_hash = $1;

-- name: delete_for_account
DELETE FROM resident_sessions WHERE account_id = $1;

-- name: purge_expired
DELETE FROM resident_sessions
WHERE expires_at <= now() OR last_seen_at <= now() - $1::interval;
