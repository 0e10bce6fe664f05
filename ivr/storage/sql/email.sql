-- name: alert_message
-- What an alert email needs: the alert's category, and the names of its sectors.
SELECT a.category, a.target_all,
       coalesce(array_agg(s.name_fr ORDER BY s.name_fr) FILTER (WHERE s.id IS NOT NULL),
                '{}') AS sectors_fr,
       coalesce(array_agg(s.name_en ORDER BY s.name_en) FILTER (WHERE s.id IS NOT NULL),
                '{}') AS sectors_en
FROM alerts a
LEFT JOIN alert_sectors t ON t.alert_id = a.id
LEFT JOIN sectors s ON s.id = t.sector_id
WHERE a.id = $1
GROUP BY a.id;

-- name: alert_contents
-- The alert's email subject and body in each language it has them.
SELECT language, email_subject, email_body FROM alert_contents
WHERE alert_id = $1 AND email_subject IS NOT NULL;

-- name: provisional_outcome
-- Attempt $1 was answered for good by the relay (250, or a refusal): written before the
-- attempt is reported, so an engine that stops before closing it does not send again.
UPDATE delivery_attempts
SET outcome = $2, provider_message_id = $3, detail = $4
WHERE id = $1 AND ended_at IS NULL;

-- name: bounce_read
-- Bounce message $1 (hash of its bytes) is read; returns nothing if it was already.
INSERT INTO email_bounces (message_hash, reference, addresses, flagged)
VALUES ($1, $2, $3, 0)
ON CONFLICT (message_hash) DO NOTHING
RETURNING id;

-- name: bounced_attempt
-- The email attempt with reference $1 (VERP) whose address is among $2 (or any when
-- $2 is empty: the bounce names none we could read).
SELECT a.id AS attempt_id, d.id AS delivery_id, cp.id AS contact_point_id, cp.email
FROM delivery_attempts a
JOIN deliveries d ON d.id = a.delivery_id
JOIN contact_points cp ON cp.id = d.contact_point_id
WHERE a.reference = $1 AND d.channel = 'email'
  AND (cardinality($2::text[]) = 0 OR lower(cp.email) = ANY ($2::text[]));

-- name: contacts_by_address
-- Email contact points among addresses $1 (lower case).
SELECT id AS contact_point_id, email FROM contact_points
WHERE kind = 'email' AND lower(email) = ANY ($1::text[]);

-- name: flag_bounced
-- Contact points $1 bounced for good: invalid, so later alerts leave them out until
-- the resident or staff correct them. Returns those that were not invalid yet.
UPDATE contact_points SET verification = 'invalid', updated_at = now()
WHERE id = ANY ($1::bigint[]) AND verification <> 'invalid'
RETURNING id;

-- name: bounced_outcome
-- Attempt $1 the relay had accepted bounced: it becomes 'undeliverable', and its
-- delivery too when it is the latest attempt and nobody confirmed.
WITH attempt AS (
    UPDATE delivery_attempts SET outcome = 'undeliverable', detail = $2
    WHERE id = $1 AND outcome = 'accepted'
    RETURNING delivery_id, attempt_number
)
UPDATE deliveries d
SET last_outcome = 'undeliverable', state = 'failed', updated_at = now()
FROM attempt x
WHERE d.id = x.delivery_id AND d.attempts = x.attempt_number AND d.state = 'done'
  AND d.last_outcome = 'accepted';

-- name: bounce_flagged
UPDATE email_bounces SET flagged = $2 WHERE id = $1;

-- name: preferences
-- Email contact point $1 and what it receives: an opt-out, and whether it covers
-- emergency alerts.
SELECT cp.email, cp.verification, o.emergencies AS opted_out_emergencies,
       o.contact_point_id IS NOT NULL AS opted_out
FROM contact_points cp
LEFT JOIN opt_outs o ON o.contact_point_id = cp.id AND o.channel = 'email'
WHERE cp.id = $1 AND cp.kind = 'email';

-- name: set_opt_out
-- Email contact point $1 stops getting exercises ($2 false) or every alert ($2 true).
INSERT INTO opt_outs (contact_point_id, channel, source, emergencies)
VALUES ($1, 'email', 'resident', $2)
ON CONFLICT (contact_point_id, channel)
DO UPDATE SET emergencies = excluded.emergencies, opted_out_at = now(), source = 'resident';

-- name: clear_opt_out
DELETE FROM opt_outs WHERE contact_point_id = $1 AND channel = 'email';
