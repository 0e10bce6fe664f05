-- name: account_for_update
-- A live account, locked while its form is saved (two saves at once apply in turn).
SELECT id, phone_e164, household_id, member_id
FROM resident_accounts
WHERE id = $1 AND deleted_at IS NULL
FOR UPDATE;

-- name: account
SELECT id, phone_e164, household_id, member_id, created_at, password_changed_at
FROM resident_accounts
WHERE id = $1 AND deleted_at IS NULL;

-- name: listed_member
-- The member (and household) that lists the account's number, when no other live
-- account keeps that household: a directory landline, or a number staff entered.
SELECT m.id AS member_id, m.household_id
FROM contact_points cp
JOIN member_channels mc ON mc.contact_point_id = cp.id
JOIN members m ON m.id = mc.member_id
WHERE cp.phone_e164 = $1
  AND NOT EXISTS (
      SELECT 1 FROM resident_accounts a
      WHERE a.household_id = m.household_id AND a.deleted_at IS NULL)
ORDER BY m.id
LIMIT 1;

-- name: keep_household
UPDATE resident_accounts SET household_id = $2, member_id = $3 WHERE id = $1;

-- name: household
SELECT h.civic_number, h.street, h.street_key, h.unit, h.community,
       s.name_fr AS sector_fr, s.name_en AS sector_en
FROM households h
LEFT JOIN sectors s ON s.id = h.sector_id
WHERE h.id = $1;

-- name: members
SELECT id, display_name, language, channel_order
FROM members
WHERE household_id = $1
ORDER BY id;

-- name: member_contacts
-- A member's contact points, with the channels they chose on each.
SELECT cp.id, cp.kind, cp.phone_e164, cp.email, cp.phone_use, cp.line_type,
       array_agg(mc.channel ORDER BY mc.channel) AS channels
FROM member_channels mc
JOIN contact_points cp ON cp.id = mc.contact_point_id
WHERE mc.member_id = $1 AND cp.erased_at IS NULL
GROUP BY cp.id
ORDER BY cp.kind DESC, cp.id;

-- name: open_consents
SELECT purpose FROM consents WHERE member_id = $1 AND withdrawn_at IS NULL;

-- name: any_consent
SELECT EXISTS (SELECT 1 FROM consents WHERE member_id = $1 AND purpose = $2);

-- name: record_refusal
-- A purpose left unticked when the member never had a record: kept as a consent
-- withdrawn at once, so alert_scope treats it as refused.
INSERT INTO consents (member_id, purpose, wording_version, language, source, granted_at,
                      withdrawn_at)
VALUES ($1, $2, $3, $4, 'portal', now(), now());

-- name: waiting_emails
SELECT id, email, send_state
FROM email_verifications
WHERE account_id = $1 AND verified_at IS NULL AND expires_at > now()
ORDER BY id;

-- name: streets
-- The known streets (from the sectors' street segments), one per name.
SELECT DISTINCT ON (g.street_key) g.street, g.street_key, s.community
FROM street_segments g
JOIN sectors s ON s.id = g.sector_id
ORDER BY g.street_key, g.id;

-- name: move_household
UPDATE households
SET civic_number = $2, street = $3, street_key = $4, unit = $5, community = $6,
    sector_id = (SELECT id FROM sectors WHERE code = $7), sector_method = $8,
    preferred_language = $9
WHERE id = $1;

-- name: rename_member
-- Only a member of this household (a form cannot reach another by changing an id).
UPDATE members SET display_name = $3, language = $4
WHERE id = $1 AND household_id = $2
RETURNING id;

-- name: remove_member
DELETE FROM members WHERE id = $1 AND household_id = $2 AND id <> $3;

-- name: order_channels
UPDATE members SET channel_order = $2 WHERE id = $1;

-- name: describe_phone
-- What the resident says a number is, on a number only this household lists (a shared
-- number keeps what its first household said).
UPDATE contact_points cp
SET phone_use = $2,
    line_type = CASE $2 WHEN 'mobile' THEN 'mobile' WHEN 'landline' THEN 'landline'
                        ELSE cp.line_type END,
    updated_at = now()
WHERE cp.id = $1
  AND NOT EXISTS (
      SELECT 1 FROM member_channels mc JOIN members m ON m.id = mc.member_id
      WHERE mc.contact_point_id = cp.id AND m.household_id <> $3);

-- name: drop_phone_channels
-- The member's phone channels that the form no longer lists.
DELETE FROM member_channels
WHERE member_id = $1 AND contact_kind = 'phone'
  AND NOT (contact_point_id || ':' || channel = ANY ($2::text[]));

-- name: drop_email
DELETE FROM member_channels WHERE member_id = $1 AND contact_point_id = $2;

-- name: wait_for_email
-- An address to verify, valid a week; the email sender is woken.
WITH added AS (
    INSERT INTO email_verifications (account_id, member_id, email, language, expires_at)
    VALUES ($1, $2, $3, $4, now() + interval '7 days')
    RETURNING id
)
SELECT id, pg_notify('ivr_email_verifications', '') IS NOT NULL AS woken FROM added;

-- name: record_changes
INSERT INTO resident_changes (account_id, by_staff_id, changes) VALUES ($1, $2, $3::jsonb);

-- name: changes
SELECT at, by_staff_id IS NOT NULL AS by_staff, changes
FROM resident_changes
WHERE account_id = $1
ORDER BY at DESC, id DESC;

-- name: account_keeping
-- The live account that keeps this household, if any.
SELECT id, phone_e164, household_id, member_id
FROM resident_accounts
WHERE household_id = $1 AND deleted_at IS NULL;
