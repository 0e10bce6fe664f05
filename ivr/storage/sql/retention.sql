-- name: try_lock
-- One run at a time (the service's and `ivr apply-retention`); false: another runs.
SELECT pg_try_advisory_lock(x'170328'::int);

-- name: unlock
SELECT pg_advisory_unlock(x'170328'::int);

-- name: due_alerts
-- Alerts that ended (completed or cancelled) more than $1 days ago whose deliveries are
-- not pseudonymized yet, oldest first.
SELECT id FROM alerts
WHERE pseudonymized_at IS NULL AND state IN ('completed', 'cancelled')
  AND coalesce(completed_at, cancelled_at) < now() - make_interval(days => $1)
ORDER BY id;

-- name: pseudonymize_deliveries
-- The next $3 deliveries of alert $2 after delivery $1 lose whom they were for and what
-- in their attempts identifies a person: keys pressed, references, the provider's
-- message ids, the relay's answer (it may quote the address), the SMS parts' ids.
-- Channel, language, sector, states, outcomes, counts and times stay for the reports.
-- last_id is null when none was left.
WITH batch AS (
    SELECT id FROM deliveries WHERE alert_id = $2 AND id > $1 ORDER BY id LIMIT $3
), members AS (
    UPDATE deliveries d SET member_id = NULL FROM batch WHERE d.id = batch.id
    RETURNING d.id
), attempts AS (
    UPDATE delivery_attempts t
    SET keys_pressed = '', reference = NULL, provider_message_id = NULL, detail = '',
        flow_token_hash = NULL
    FROM batch WHERE t.delivery_id = batch.id
    RETURNING t.id
), parts AS (
    UPDATE sms_parts p SET message_id = NULL FROM attempts WHERE p.attempt_id = attempts.id
    RETURNING 1
)
SELECT (SELECT max(id) FROM members) AS last_id,
       (SELECT count(*) FROM members) AS deliveries,
       (SELECT count(*) FROM attempts) AS attempts,
       (SELECT count(*) FROM parts) AS sms_parts;

-- name: mark_alert
UPDATE alerts SET pseudonymized_at = now() WHERE id = $1;

-- name: pseudonymize_inbound
-- At most $2 messages from phones received more than $1 days ago and dealt with: their
-- number and text go; keyword, alert, reply and times stay.
WITH batch AS (
    SELECT id FROM sms_inbound
    WHERE phone_e164 IS NOT NULL AND received_at < now() - make_interval(days => $1)
      AND handled_at IS NOT NULL AND (reply IS NULL OR replied_at IS NOT NULL)
    ORDER BY id LIMIT $2
), done AS (
    UPDATE sms_inbound i SET phone_e164 = NULL, body = '' FROM batch WHERE i.id = batch.id
    RETURNING 1
)
SELECT count(*) FROM done;

-- name: delete_receipts
-- At most $2 SMS receipts received more than $1 days ago (their parts keep the state).
WITH batch AS (
    SELECT id FROM sms_receipts WHERE received_at < now() - make_interval(days => $1)
    ORDER BY id LIMIT $2
), done AS (
    DELETE FROM sms_receipts r USING batch WHERE r.id = batch.id RETURNING 1
)
SELECT count(*) FROM done;

-- name: pseudonymize_bounces
-- At most $2 bounces read more than $1 days ago lose the addresses they reported and
-- their attempt's reference; the hash (reading the Maildir again changes nothing) and
-- the count of contacts flagged stay.
WITH batch AS (
    SELECT id FROM email_bounces
    WHERE read_at < now() - make_interval(days => $1)
      AND (cardinality(addresses) > 0 OR reference IS NOT NULL)
    ORDER BY id LIMIT $2
), done AS (
    UPDATE email_bounces b SET addresses = '{}', reference = NULL
    FROM batch WHERE b.id = batch.id
    RETURNING 1
)
SELECT count(*) FROM done;

-- name: forget_callers
-- At most $2 calls to the information line older than $1 days lose their caller.
WITH batch AS (
    SELECT id FROM information_calls
    WHERE contact_point_id IS NOT NULL AND at < now() - make_interval(days => $1)
    ORDER BY id LIMIT $2
), done AS (
    UPDATE information_calls c SET contact_point_id = NULL FROM batch WHERE c.id = batch.id
    RETURNING 1
)
SELECT count(*) FROM done;

-- name: erase_contacts
-- At most $2 contact points no member lists any more, unchanged, sent nothing and
-- called from nowhere for $1 days, with nothing pending, erased as a deleted account's
-- are (docs/portal.md): the row stays for the statistics, the number or address goes.
-- One with an opt-out is kept: the refusal must outlive the listing.
WITH batch AS (
    SELECT cp.id FROM contact_points cp
    WHERE cp.erased_at IS NULL AND cp.updated_at < now() - make_interval(days => $1)
      AND NOT EXISTS (SELECT 1 FROM member_channels mc WHERE mc.contact_point_id = cp.id)
      AND NOT EXISTS (SELECT 1 FROM opt_outs o WHERE o.contact_point_id = cp.id)
      AND NOT EXISTS (SELECT 1 FROM directory_listings l WHERE l.contact_point_id = cp.id)
      AND NOT EXISTS (SELECT 1 FROM information_calls c WHERE c.contact_point_id = cp.id)
      AND NOT EXISTS (
          SELECT 1 FROM deliveries d
          WHERE d.contact_point_id = cp.id
            AND (d.created_at >= now() - make_interval(days => $1)
                 OR d.state IN ('pending', 'in_progress')))
    ORDER BY cp.id LIMIT $2
), done AS (
    UPDATE contact_points cp
    SET phone_e164 = NULL, email = NULL, phone_use = NULL, erased_at = now(),
        updated_at = now()
    FROM batch WHERE cp.id = batch.id
    RETURNING 1
)
SELECT count(*) FROM done;
