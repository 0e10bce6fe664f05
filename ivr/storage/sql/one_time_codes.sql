-- name: lock_requesters
-- Issues for the same number or the same client wait for each other, so two at once
-- cannot both pass the hourly limits.
SELECT pg_advisory_xact_lock(hashtextextended('one_time_codes:' || $1, 0)),
       pg_advisory_xact_lock(hashtextextended('one_time_codes:' || encode($2, 'hex'), 0));

-- name: issued_last_hour
-- Codes issued in the last hour to this number, and to this client.
SELECT count(*) FILTER (WHERE phone_e164 = $1) AS by_phone,
       count(*) FILTER (WHERE client_hash = $2) AS by_client
FROM one_time_codes
WHERE created_at > now() - interval '1 hour' AND (phone_e164 = $1 OR client_hash = $2);

-- name: insert
-- A new code; the senders of its channel are woken (the payload is the channel only).
WITH code AS (
    INSERT INTO one_time_codes (phone_e164, purpose, channel, code_hash, code_sealed,
                                client_hash, expires_at, tries_left)
    VALUES ($1, $2, $3, $4, $5, $6, now() + $7::interval, $8)
    RETURNING id, channel
)
SELECT id, pg_notify('ivr_one_time_codes', channel) IS NOT NULL AS woken FROM code;

-- name: latest_for_check
-- The latest code of this number and purpose (a new code replaces the earlier ones),
-- locked while it is checked.
SELECT id, code_hash, expires_at <= now() AS expired, used_at IS NOT NULL AS used,
       tries_left
FROM one_time_codes
WHERE phone_e164 = $1 AND purpose = $2
ORDER BY created_at DESC, id DESC
LIMIT 1
FOR UPDATE;

-- name: mark_used
UPDATE one_time_codes SET used_at = now() WHERE id = $1;

-- name: count_wrong_try
UPDATE one_time_codes SET tries_left = tries_left - 1 WHERE id = $1 AND tries_left > 0;

-- name: take_pending
-- Up to $2 codes of channel $1 waiting to be sent and not expired, taken by this sender:
-- the sealed code leaves the table as it is returned (sent at most once; a sender that
-- dies meanwhile loses it, and the resident asks again).
WITH taken AS (
    SELECT id, code_sealed FROM one_time_codes
    WHERE channel = $1 AND send_state = 'pending' AND expires_at > now()
    ORDER BY id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE one_time_codes c SET send_state = 'sending', code_sealed = NULL
FROM taken
WHERE c.id = taken.id
RETURNING c.id, c.phone_e164, c.purpose, c.channel, taken.code_sealed;

-- name: sent
UPDATE one_time_codes SET send_state = 'sent', sent_at = now(), send_detail = $2
WHERE id = $1;

-- name: send_failed
UPDATE one_time_codes SET send_state = 'failed', send_detail = $2 WHERE id = $1;

-- name: sweep
-- Sealed codes that expired unsent are erased; rows past the limits' hour and a day's
-- grace for the logs are removed.
WITH erased AS (
    UPDATE one_time_codes SET send_state = 'failed', code_sealed = NULL,
                              send_detail = 'expired before it was sent'
    WHERE send_state = 'pending' AND expires_at <= now()
)
DELETE FROM one_time_codes WHERE created_at < now() - interval '1 day';
