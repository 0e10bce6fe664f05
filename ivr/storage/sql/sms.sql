-- name: alert_texts
-- The alert's SMS text in each language it has one.
SELECT language, sms_text FROM alert_contents
WHERE alert_id = $1 AND sms_text IS NOT NULL;

-- name: record_part
-- What the SMSC answered to one part of attempt $1 (a part sent again is updated).
INSERT INTO sms_parts (attempt_id, part_number, parts_total, message_id, submit_status,
                       throttled, resubmitted)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (attempt_id, part_number) DO UPDATE
SET message_id = excluded.message_id, submit_status = excluded.submit_status,
    throttled = excluded.throttled, resubmitted = excluded.resubmitted,
    submitted_at = now();

-- name: provisional_outcome
-- Attempt $1's outcome as soon as it is known ('accepted': every part was taken), so an
-- engine that stops before closing the attempt does not send the message again.
UPDATE delivery_attempts SET outcome = $2 WHERE id = $1 AND ended_at IS NULL;

-- name: add_receipt
INSERT INTO sms_receipts (message_id, id_keys, state, error, done_at)
VALUES ($1, $2, $3, $4, $5);

-- name: apply_receipts
-- Receipts not applied yet that now find their part (by any form of the message id),
-- at most 7 days old; a final state is never replaced by one on the way. Returns the
-- attempts whose parts changed.
WITH waiting AS (
    SELECT r.id, r.id_keys, r.state, r.error, coalesce(r.done_at, r.received_at) AS at,
           r.state IN ('DELIVRD', 'UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED') AS final
    FROM sms_receipts r
    WHERE r.applied_at IS NULL AND r.received_at > now() - interval '7 days'
    FOR UPDATE SKIP LOCKED
), matched AS (
    SELECT DISTINCT ON (p.attempt_id, p.part_number)
           w.id AS receipt_id, p.attempt_id, p.part_number, w.state, w.error, w.at, w.final
    FROM waiting w
    JOIN sms_parts p ON lower(ltrim(p.message_id, '0')) = ANY (w.id_keys)
    WHERE p.message_id IS NOT NULL
    ORDER BY p.attempt_id, p.part_number, w.final DESC, w.id DESC
), used AS (
    UPDATE sms_receipts r SET applied_at = now()
    FROM waiting w
    WHERE r.id = w.id AND EXISTS (
        SELECT 1 FROM sms_parts p
        WHERE p.message_id IS NOT NULL AND lower(ltrim(p.message_id, '0')) = ANY (w.id_keys))
), parts AS (
    UPDATE sms_parts p
    SET receipt_state = m.state, receipt_error = m.error, receipt_at = m.at
    FROM matched m
    WHERE p.attempt_id = m.attempt_id AND p.part_number = m.part_number
      AND (m.final OR p.receipt_state IS NULL
           OR p.receipt_state NOT IN ('DELIVRD', 'UNDELIV', 'REJECTD', 'EXPIRED', 'DELETED'))
    RETURNING p.attempt_id
)
SELECT DISTINCT attempt_id FROM parts;

-- name: settle_attempts
-- Attempts $1 as their parts' receipts tell: 'delivered' once every part is; else the
-- first failure ('undeliverable', 'rejected', 'expired'). A delivery the engine closed
-- takes its latest attempt's outcome ('failed' unless delivered or confirmed by the
-- resident); one still in progress is settled when the engine closes it. Returns the
-- deliveries that changed.
WITH states AS (
    SELECT p.attempt_id,
           count(*) FILTER (WHERE p.receipt_state = 'DELIVRD') AS delivered,
           max(p.parts_total) AS total,
           bool_or(p.receipt_state = 'UNDELIV') AS undeliverable,
           bool_or(p.receipt_state = 'REJECTD') AS rejected,
           bool_or(p.receipt_state IN ('EXPIRED', 'DELETED')) AS expired
    FROM sms_parts p
    WHERE p.attempt_id = ANY ($1::bigint[])
    GROUP BY p.attempt_id
), outcomes AS (
    SELECT attempt_id,
           CASE WHEN undeliverable THEN 'undeliverable'
                WHEN rejected THEN 'rejected'
                WHEN expired THEN 'expired'
                WHEN delivered = total THEN 'delivered' END AS outcome
    FROM states
), attempts AS (
    UPDATE delivery_attempts a SET outcome = o.outcome
    FROM outcomes o
    WHERE a.id = o.attempt_id AND o.outcome IS NOT NULL
    RETURNING a.delivery_id, a.attempt_number, a.outcome
)
UPDATE deliveries d
SET last_outcome = x.outcome,
    state = CASE WHEN x.outcome = 'delivered' THEN 'done' ELSE 'failed' END,
    updated_at = now()
FROM attempts x
WHERE d.id = x.delivery_id AND d.attempts = x.attempt_number
  AND d.state IN ('done', 'failed')
  AND d.last_outcome IS DISTINCT FROM 'confirmed'
  AND d.last_outcome IS DISTINCT FROM x.outcome
RETURNING d.id, d.last_outcome;

-- name: no_sms_call_instead
-- Those of SMS deliveries $1 that cannot reach the phone (undeliverable or rejected, by
-- a receipt or the SMSC): a number not known to be a mobile is probably a landline
-- (no offline method tells them apart in Canada); it is marked "no SMS", and
-- when the member takes calls (voice chosen on any number) the same alert calls it, in
-- the member's language if the alert has audio in it, else French, else English.
-- Returns the alerts that got a call (reopened when they had completed).
WITH failed AS (
    SELECT d.alert_id, d.contact_point_id, d.member_id, d.sector_id, d.priority
    FROM deliveries d
    JOIN contact_points cp ON cp.id = d.contact_point_id
    WHERE d.id = ANY ($1::bigint[]) AND d.channel = 'sms'
      AND d.last_outcome IN ('undeliverable', 'rejected') AND cp.line_type <> 'mobile'
), flagged AS (
    UPDATE contact_points cp SET sms_capable = 'no', updated_at = now()
    FROM failed f
    WHERE cp.id = f.contact_point_id AND cp.sms_capable <> 'no'
), calls AS (
    INSERT INTO deliveries (alert_id, contact_point_id, channel, language, member_id,
                            sector_id, priority)
    SELECT f.alert_id, f.contact_point_id, 'voice', audio.language, f.member_id,
           f.sector_id, f.priority
    FROM failed f
    JOIN alerts a ON a.id = f.alert_id AND a.state IN ('sending', 'completed')
    LEFT JOIN members m ON m.id = f.member_id
    CROSS JOIN LATERAL (
        SELECT au.language FROM alert_audio au
        WHERE au.alert_id = f.alert_id
        ORDER BY au.language = m.language DESC, au.language = 'fr' DESC,
                 au.language = 'en' DESC, au.language
        LIMIT 1
    ) audio
    WHERE EXISTS (SELECT 1 FROM member_channels mc
                  WHERE mc.member_id = f.member_id AND mc.channel = 'voice')
      AND NOT EXISTS (SELECT 1 FROM opt_outs o
                      WHERE o.contact_point_id = f.contact_point_id AND o.channel = 'voice')
    ON CONFLICT (alert_id, contact_point_id, channel) DO NOTHING
    RETURNING alert_id
)
UPDATE alerts a
SET state = 'sending', completed_at = NULL, updated_at = now()
WHERE a.id IN (SELECT alert_id FROM calls)
RETURNING a.id;

-- name: add_inbound
INSERT INTO sms_inbound (phone_e164, body, keyword) VALUES ($1, $2, $3) RETURNING id;

-- name: open_inbound
-- Messages from phones not handled yet, or whose reply is not sent yet, oldest first.
SELECT id, phone_e164, body, keyword, handled_at IS NOT NULL AS handled, reply
FROM sms_inbound
WHERE handled_at IS NULL OR (reply IS NOT NULL AND replied_at IS NULL)
ORDER BY id
LIMIT $1;

-- name: handled_inbound
UPDATE sms_inbound SET handled_at = now(), alert_id = $2, reply = $3 WHERE id = $1;

-- name: replied_inbound
UPDATE sms_inbound SET replied_at = now() WHERE id = $1;

-- name: recent_other_replies
-- Replies to messages that were no keyword sent to phone $1 in the last hour.
SELECT count(*) FROM sms_inbound
WHERE phone_e164 = $1 AND reply = 'other' AND received_at > now() - interval '1 hour';

-- name: opt_out
INSERT INTO opt_outs (contact_point_id, channel, source)
SELECT id, 'sms', 'resident' FROM contact_points WHERE phone_e164 = $1
ON CONFLICT (contact_point_id, channel) DO NOTHING;

-- name: opt_in
DELETE FROM opt_outs o USING contact_points cp
WHERE o.contact_point_id = cp.id AND cp.phone_e164 = $1 AND o.channel = 'sms';

-- name: confirm_latest
-- The latest alert sent by SMS to phone $1 in the last 72 hours is confirmed by its
-- resident: that delivery says so. Returns the delivery and its alert.
WITH latest AS (
    SELECT d.id, d.alert_id, d.contact_point_id
    FROM deliveries d
    JOIN contact_points cp ON cp.id = d.contact_point_id
    JOIN delivery_attempts a ON a.delivery_id = d.id
    WHERE cp.phone_e164 = $1 AND d.channel = 'sms'
      AND a.outcome IN ('accepted', 'delivered')
      AND a.started_at > now() - interval '72 hours'
    ORDER BY a.started_at DESC
    LIMIT 1
)
UPDATE deliveries d SET last_outcome = 'confirmed', updated_at = now()
FROM latest l
WHERE d.id = l.id
RETURNING d.id, d.alert_id;
