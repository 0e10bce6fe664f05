-- name: add
-- A notice to the number; the SMS senders are woken like for a code.
WITH notice AS (
    INSERT INTO resident_notices (phone_e164, kind) VALUES ($1, $2) RETURNING id
)
SELECT id, pg_notify('ivr_one_time_codes', 'sms') IS NOT NULL AS woken FROM notice;

-- name: take_pending
-- Up to $1 notices of the last day waiting to be sent, taken by this sender (sent at
-- most once, like the codes).
WITH taken AS (
    SELECT id FROM resident_notices
    WHERE send_state = 'pending' AND created_at > now() - interval '1 day'
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE resident_notices n SET send_state = 'sending'
FROM taken
WHERE n.id = taken.id
RETURNING n.id, n.phone_e164, n.kind;

-- name: sent
UPDATE resident_notices SET send_state = 'sent', sent_at = now(), send_detail = $2
WHERE id = $1;

-- name: send_failed
UPDATE resident_notices SET send_state = 'failed', send_detail = $2 WHERE id = $1;
