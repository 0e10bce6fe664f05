-- name: received
-- What the account's holder was sent: deliveries to the holder's contact points, or
-- decided by the holder (the member whose language was used), newest alerts first.
SELECT a.id AS alert_id, a.title, a.category, a.launched_at, d.channel, d.state,
       d.last_outcome, d.attempts, d.finished_at, cp.kind, cp.phone_e164, cp.email
FROM deliveries d
JOIN alerts a ON a.id = d.alert_id
JOIN contact_points cp ON cp.id = d.contact_point_id
WHERE d.member_id = $1
   OR d.contact_point_id IN (SELECT contact_point_id FROM member_channels WHERE member_id = $1)
ORDER BY a.launched_at DESC NULLS LAST, a.id DESC, d.channel
LIMIT $2;

-- name: account_dates
SELECT created_at, password_changed_at FROM resident_accounts WHERE id = $1;

-- name: consent_history
SELECT purpose, wording_version, language, source, granted_at, withdrawn_at
FROM consents
WHERE member_id = $1
ORDER BY granted_at, id;

-- name: opt_outs
SELECT o.channel, o.opted_out_at, o.emergencies, cp.phone_e164, cp.email
FROM opt_outs o
JOIN contact_points cp ON cp.id = o.contact_point_id
WHERE o.contact_point_id IN (SELECT contact_point_id FROM member_channels WHERE member_id = $1)
ORDER BY o.opted_out_at;

-- name: own_contacts
-- The contact points of the household's members, and the account's own number, that no
-- other household lists: what deleting the account erases.
SELECT cp.id, cp.phone_e164
FROM contact_points cp
WHERE cp.erased_at IS NULL
  AND (cp.id IN (SELECT mc.contact_point_id FROM member_channels mc
                 JOIN members m ON m.id = mc.member_id WHERE m.household_id = $1)
       OR cp.phone_e164 = $2)
  AND NOT EXISTS (
      SELECT 1 FROM member_channels o JOIN members om ON om.id = o.member_id
      WHERE o.contact_point_id = cp.id AND om.household_id IS DISTINCT FROM $1);

-- name: cancel_pending
-- Nothing more is sent to erased contacts (a call in progress ends as it would).
UPDATE deliveries
SET state = 'cancelled', finished_at = now(), updated_at = now()
WHERE contact_point_id = ANY ($1::bigint[]) AND state = 'pending';

-- name: erase_contacts
WITH unlinked AS (
    DELETE FROM member_channels WHERE contact_point_id = ANY ($1::bigint[])
), no_opt_outs AS (
    DELETE FROM opt_outs WHERE contact_point_id = ANY ($1::bigint[])
)
UPDATE contact_points
SET phone_e164 = NULL, email = NULL, phone_use = NULL, erased_at = now(), updated_at = now()
WHERE id = ANY ($1::bigint[]);

-- name: exclude_from_directory
INSERT INTO directory_exclusions (phone_e164, reason)
SELECT unnest($1::text[]), 'account_deleted'
ON CONFLICT (phone_e164) DO NOTHING;

-- name: delete_household
DELETE FROM households WHERE id = $1;

-- name: forget_account
-- The tombstone: the account's id and dates, nothing that names a person.
WITH changes AS (
    DELETE FROM resident_changes WHERE account_id = $1
), emails AS (
    DELETE FROM email_verifications WHERE account_id = $1
), sessions AS (
    DELETE FROM resident_sessions WHERE account_id = $1
), notices AS (
    DELETE FROM resident_notices WHERE phone_e164 = $2
), codes AS (
    DELETE FROM one_time_codes WHERE phone_e164 = $2
)
UPDATE resident_accounts
SET phone_e164 = NULL, password_hash = NULL, household_id = NULL, member_id = NULL,
    deleted_at = now()
WHERE id = $1 AND deleted_at IS NULL
RETURNING id;
