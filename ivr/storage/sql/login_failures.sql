-- name: record
INSERT INTO login_failures (account_hash, client_address) VALUES ($1, $2);

-- name: count
-- Failures in the window for this account and for this client address.
SELECT
    count(*) FILTER (WHERE account_hash = $1) AS by_account,
    count(*) FILTER (WHERE client_address = $2) AS by_address
FROM login_failures
WHERE at > now() - $3::interval AND (account_hash = $1 OR client_address = $2);

-- name: clear_account
DELETE FROM login_failures WHERE account_hash = $1;

-- name: purge
DELETE FROM login_failures WHERE at <= now() - $1::interval;
