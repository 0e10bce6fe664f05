-- name: find
-- The live account of a number (a tombstone is no account).
SELECT id, password_hash FROM resident_accounts
WHERE phone_e164 = $1 AND deleted_at IS NULL;

-- name: save_password
-- Create the number's account, or give the live one a new password; created tells which
-- (xmax is 0 only in a row this statement inserted).
INSERT INTO resident_accounts (phone_e164, password_hash)
VALUES ($1, $2)
ON CONFLICT (phone_e164) WHERE deleted_at IS NULL
DO UPDATE SET password_hash = EXCLUDED.password_hash, password_changed_at = now()
RETURNING id, xmax = 0 AS created;

-- name: rehash
-- The same password under current argon2id parameters (not a change: the date stays).
UPDATE resident_accounts SET password_hash = $2 WHERE id = $1 AND deleted_at IS NULL;
