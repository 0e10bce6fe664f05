-- name: claim
-- Take up to $2 due deliveries of channel $1 for owner $3, lease $4 seconds; open an
-- attempt for each. Urgent alerts first, then first calls before call-backs (a first
-- pass over the whole audience), then the longest waiting.
WITH due AS (
    SELECT d.id
    FROM deliveries d
    JOIN alerts a ON a.id = d.alert_id
    WHERE d.state = 'pending'
      AND d.channel = $1
      AND d.next_attempt_at <= now()
      AND a.state = 'sending'
    ORDER BY d.priority DESC, d.attempts, d.next_attempt_at, d.id
    LIMIT $2
    FOR UPDATE OF d SKIP LOCKED
), claimed AS (
    UPDATE deliveries d
    SET state = 'in_progress',
        lease_owner = $3,
        lease_expires_at = now() + make_interval(secs => $4),
        attempts = d.attempts + 1,
        updated_at = now()
    FROM due
    WHERE d.id = due.id
    RETURNING d.id, d.alert_id, d.contact_point_id, d.language, d.priority, d.attempts
), opened AS (
    INSERT INTO delivery_attempts (delivery_id, attempt_number, reference)
    SELECT id, attempts, 'ivr-' || id || '-' || attempts FROM claimed
    RETURNING id, delivery_id, reference
)
SELECT c.id AS delivery_id, c.alert_id, c.language, c.priority, c.attempts AS attempt_number,
       o.id AS attempt_id, o.reference,
       coalesce(cp.phone_e164, cp.email) AS address, cp.id AS contact_point_id
FROM claimed c
JOIN opened o ON o.delivery_id = c.id
JOIN contact_points cp ON cp.id = c.contact_point_id
ORDER BY c.priority DESC, c.id;

-- name: heartbeat
UPDATE deliveries
SET lease_expires_at = now() + make_interval(secs => $2)
WHERE lease_owner = $1 AND state = 'in_progress';

-- name: close_attempt
-- Record how attempt $1 ended; fields the call flow already set are kept unless given.
UPDATE delivery_attempts
SET outcome = $2,
    ended_at = now(),
    hangup_cause = coalesce($3, hangup_cause),
    sip_code = coalesce($4, sip_code),
    ring_seconds = coalesce($5, ring_seconds),
    talk_seconds = coalesce($6, talk_seconds),
    provider_message_id = coalesce($7, provider_message_id),
    detail = CASE WHEN $8 = '' THEN detail ELSE $8 END
WHERE id = $1;

-- name: reschedule
-- Delivery $1 (leased by $2) goes back to the queue, due in $4 seconds.
UPDATE deliveries
SET state = 'pending', last_outcome = $3, next_attempt_at = now() + make_interval(secs => $4),
    lease_owner = NULL, lease_expires_at = NULL, updated_at = now()
WHERE id = $1 AND lease_owner = $2 AND state = 'in_progress';

-- name: finish
-- Delivery $1 (leased by $2) ends in state $4 ('done' or 'failed').
UPDATE deliveries
SET state = $4, last_outcome = $3, lease_owner = NULL, lease_expires_at = NULL,
    finished_at = now(), updated_at = now()
WHERE id = $1 AND lease_owner = $2 AND state = 'in_progress';

-- name: flag_contact
-- The contact of delivery $1 is at fault for its channel: a phone that cannot be called
-- is flagged not in service, one that cannot take SMS is marked "no SMS", an email
-- address invalid. Later alerts leave it out (or call instead of texting) until staff or
-- the resident act.
UPDATE contact_points cp
SET not_in_service_at = CASE WHEN d.channel = 'voice' THEN now() ELSE cp.not_in_service_at END,
    sms_capable = CASE WHEN d.channel = 'sms' THEN 'no' ELSE cp.sms_capable END,
    verification = CASE WHEN d.channel = 'email' THEN 'invalid' ELSE cp.verification END,
    updated_at = now()
FROM deliveries d
WHERE d.id = $1 AND cp.id = d.contact_point_id;

-- name: lease_owners
-- Engines other than $2 holding deliveries of channel $1 now.
SELECT DISTINCT lease_owner FROM deliveries
WHERE state = 'in_progress' AND channel = $1 AND lease_owner <> $2;

-- name: orphaned_leases
-- In-progress deliveries of channel $1 whose engine stopped (its lease expired, or it is
-- one of the owners $3 known to be dead), never engine $2's own; with their open attempt
-- and what a claim needs. Locked so only one engine takes each.
SELECT d.id AS delivery_id, d.alert_id, d.language, d.priority, d.lease_owner,
       a.id AS attempt_id, a.attempt_number, a.reference, a.outcome,
       coalesce(cp.phone_e164, cp.email) AS address, cp.id AS contact_point_id
FROM deliveries d
JOIN delivery_attempts a ON a.delivery_id = d.id AND a.attempt_number = d.attempts
JOIN contact_points cp ON cp.id = d.contact_point_id
WHERE d.state = 'in_progress' AND d.channel = $1 AND d.lease_owner <> $2
  AND (d.lease_expires_at < now() OR d.lease_owner = ANY ($3::text[]))
ORDER BY d.id
FOR UPDATE OF d SKIP LOCKED;

-- name: take_lease
UPDATE deliveries
SET lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3)
WHERE id = $1;

-- name: next_due_in
-- Seconds until the next pending delivery of channel $1 is due (NULL: none pending).
SELECT greatest(0, extract(epoch FROM min(d.next_attempt_at) - now()))::float8
FROM deliveries d
JOIN alerts a ON a.id = d.alert_id
WHERE d.state = 'pending' AND d.channel = $1 AND a.state = 'sending';

-- name: complete_finished_alerts
-- Alerts in 'sending' with nothing left to do become 'completed'.
UPDATE alerts a
SET state = 'completed', completed_at = now(), updated_at = now()
WHERE a.state = 'sending'
  AND NOT EXISTS (
      SELECT 1 FROM deliveries d
      WHERE d.alert_id = a.id AND d.state IN ('pending', 'in_progress')
  )
RETURNING a.id;

