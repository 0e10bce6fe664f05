-- name: create
INSERT INTO alerts (title, category, urgency, target_all, follow_up_of, scheduled_at, drafted_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
RETURNING id;

-- name: add_sectors
INSERT INTO alert_sectors (alert_id, sector_id)
SELECT $1, s.id FROM sectors s WHERE s.code = ANY ($2::text[])
ON CONFLICT DO NOTHING;

-- name: copy_sectors
-- A follow-up targets what the earlier alert targeted.
INSERT INTO alert_sectors (alert_id, sector_id)
SELECT $1, t.sector_id FROM alert_sectors t WHERE t.alert_id = $2;

-- name: get
SELECT id, title, category, urgency, target_all, follow_up_of, scheduled_at, state,
       drafted_by, approved_by, approved_at, launched_at, cancelled_at, completed_at
FROM alerts WHERE id = $1;

-- name: lock
SELECT id, category, urgency, state, drafted_by, scheduled_at FROM alerts WHERE id = $1 FOR UPDATE;

-- name: sector_codes
SELECT s.code FROM alert_sectors t JOIN sectors s ON s.id = t.sector_id
WHERE t.alert_id = $1 ORDER BY s.code;

-- name: set_content
INSERT INTO alert_contents (alert_id, language, sms_text, email_subject, email_body,
                            voice_recording, voice_text)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (alert_id, language) DO UPDATE
SET sms_text = excluded.sms_text, email_subject = excluded.email_subject,
    email_body = excluded.email_body, voice_recording = excluded.voice_recording,
    voice_text = excluded.voice_text;

-- name: contents
SELECT language, sms_text, email_subject, email_body, voice_recording, voice_text
FROM alert_contents WHERE alert_id = $1 ORDER BY language;

-- name: touch
UPDATE alerts SET updated_at = now() WHERE id = $1;

-- name: staff_role
SELECT role FROM staff WHERE id = $1 AND NOT disabled;

-- name: active_approvers
SELECT id FROM staff WHERE role IN ('admin', 'approver') AND NOT disabled;

-- name: approve
UPDATE alerts SET state = 'approved', approved_by = $2, approved_at = now(), updated_at = now()
WHERE id = $1 AND state = 'draft';

-- name: schedule
-- Alert $1's deliveries are due at $2 (a launch at a set time).
UPDATE alerts SET scheduled_at = $2, updated_at = now() WHERE id = $1;

-- name: mark_sending
UPDATE alerts SET state = 'sending', launched_at = now(), updated_at = now()
WHERE id = $1 AND state = 'approved';

-- name: cancel
UPDATE alerts SET state = 'cancelled', cancelled_by = $2, cancelled_at = now(), updated_at = now()
WHERE id = $1 AND state IN ('draft', 'approved', 'sending');

-- name: cancel_pending_deliveries
UPDATE deliveries SET state = 'cancelled', finished_at = now(), updated_at = now()
WHERE alert_id = $1 AND state = 'pending';

-- name: wake_dispatch
SELECT pg_notify('ivr_dispatch', $1::bigint::text);

-- name: progress
-- Deliveries of alert $1 per channel, state and last outcome, with their attempts.
SELECT d.channel, d.state, coalesce(d.last_outcome, '') AS outcome,
       count(*) AS deliveries, sum(d.attempts) AS attempts
FROM deliveries d
WHERE d.alert_id = $1
GROUP BY d.channel, d.state, d.last_outcome
ORDER BY d.channel, d.state, d.last_outcome;

-- name: attempt_details
-- Every attempt of alert $1, how a call was heard, how an SMS went and what the mail
-- relay answered (stage, code, status: not its text, which may name the address): no
-- personal data (no number, no name, no address).
SELECT d.id AS delivery_id, a.attempt_number, d.channel, coalesce(a.outcome, '') AS outcome,
       a.amd_status, a.amd_cause, a.greeting_end, a.greeting_wait_seconds,
       a.silence_before_message, a.beep_during_playback, a.answer_to_audio_seconds,
       a.amd_seconds, a.keys_pressed, a.hangup_cause,
       p.parts AS sms_parts, p.throttled AS sms_throttled, p.resubmitted AS sms_resubmitted,
       p.receipts AS sms_receipts,
       CASE WHEN d.channel = 'email' THEN
           substring(a.detail from '^(?:connect|mail|rcpt|data): (?:[0-9]{3}(?: [245]\.[0-9]{1,3}\.[0-9]{1,3})?|no answer)')
           || CASE WHEN a.detail ~ '\(sent [0-9]+ times\)$' THEN ' (resent)' ELSE '' END
       END AS relay_answer
FROM delivery_attempts a
JOIN deliveries d ON d.id = a.delivery_id
LEFT JOIN LATERAL (
    SELECT count(*)::int AS parts, sum(throttled)::int AS throttled,
           sum(resubmitted)::int AS resubmitted,
           string_agg(DISTINCT receipt_state, '+' ORDER BY receipt_state) AS receipts
    FROM sms_parts WHERE attempt_id = a.id
    HAVING count(*) > 0
) p ON true
WHERE d.alert_id = $1
ORDER BY d.id, a.attempt_number;

-- name: sms_summary
-- The SMS parts of alert $1: how many, answered "slow down" and sent again, sent again
-- after a connection lost before the answer, and their receipts.
SELECT count(*)::int AS parts,
       coalesce(sum(p.throttled), 0)::int AS throttled,
       coalesce(sum(p.resubmitted), 0)::int AS resubmitted,
       count(*) FILTER (WHERE p.receipt_state IS NOT NULL)::int AS receipts
FROM sms_parts p
JOIN delivery_attempts a ON a.id = p.attempt_id
JOIN deliveries d ON d.id = a.delivery_id
WHERE d.alert_id = $1;

-- name: stop_retries_after_confirmation
-- Delivery $1 was confirmed (key 2 on a call, OUI by SMS): the retries of its alert
-- still waiting for its contact point, or for the members who list that contact point,
-- on any channel, are done: the resident has the message.
UPDATE deliveries d
SET state = 'done', last_outcome = 'confirmed', finished_at = now(), updated_at = now()
FROM deliveries c
WHERE c.id = $1 AND d.alert_id = c.alert_id AND d.id <> c.id
  AND d.state = 'pending' AND d.attempts > 0
  AND (d.contact_point_id = c.contact_point_id
       OR d.member_id IN (SELECT mc.member_id FROM member_channels mc
                          WHERE mc.contact_point_id = c.contact_point_id));
