-- name: take_pending
-- Up to $1 links waiting to be sent and not expired, taken by this sender.
WITH taken AS (
    SELECT id FROM email_verifications
    WHERE send_state = 'pending' AND expires_at > now()
      AND (next_try_at IS NULL OR next_try_at <= now())
    ORDER BY id
    LIMIT $1
    FOR UPDATE SKIP LOCKED
)
UPDATE email_verifications v SET send_state = 'sending'
FROM taken
WHERE v.id = taken.id
RETURNING v.id, v.email, v.language;

-- name: sent
UPDATE email_verifications SET send_state = 'sent', sent_at = now(), send_detail = $2
WHERE id = $1;

-- name: try_again
-- Back in the queue, not before $3 seconds from now.
UPDATE email_verifications
SET send_state = 'pending', send_detail = $2, next_try_at = now() + make_interval(secs => $3)
WHERE id = $1;

-- name: send_failed
UPDATE email_verifications SET send_state = 'failed', send_detail = $2 WHERE id = $1;

-- name: release_stuck
-- Links taken by a sender that stopped before it sent them go back to the queue.
UPDATE email_verifications SET send_state = 'pending'
WHERE send_state = 'sending' AND created_at < now() - interval '10 minutes'
  AND expires_at > now();

-- name: waiting
-- A link not yet used and not expired, with its account still live, locked while used.
SELECT v.id, v.account_id, v.member_id, v.email
FROM email_verifications v
JOIN resident_accounts a ON a.id = v.account_id AND a.deleted_at IS NULL
WHERE v.id = $1 AND v.verified_at IS NULL AND v.expires_at > now()
FOR UPDATE OF v;

-- name: address
SELECT email FROM email_verifications WHERE id = $1;

-- name: mark_verified
UPDATE email_verifications SET verified_at = now() WHERE id = $1;
