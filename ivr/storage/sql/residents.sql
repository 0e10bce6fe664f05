-- name: search
-- Households with a member whose name matches $1, a contact point whose number matches
-- $2 or whose address matches $3, or an address on a street matching $4 (and at civic
-- number $5 when given). A NULL pattern matches nothing. At most $6, by address.
SELECT h.id
FROM households h
WHERE h.id IN (
    SELECT m.household_id FROM members m WHERE m.display_name ILIKE $1
    UNION
    SELECT m.household_id
    FROM members m
    JOIN member_channels mc ON mc.member_id = m.id
    JOIN contact_points cp ON cp.id = mc.contact_point_id
    WHERE cp.phone_e164 LIKE $2 OR lower(cp.email) LIKE $3
    UNION
    SELECT a.id FROM households a
    WHERE a.street_key LIKE $4 AND ($5::integer IS NULL OR a.civic_number = $5)
)
ORDER BY h.street_key, h.civic_number NULLS LAST, h.unit, h.id
LIMIT $6;

-- name: households
SELECT h.id, h.civic_number, h.street, h.unit, h.community, h.postal_code,
       h.preferred_language, h.sector_method, s.code AS sector_code,
       s.name_fr AS sector_fr, s.name_en AS sector_en
FROM households h
LEFT JOIN sectors s ON s.id = h.sector_id
WHERE h.id = ANY ($1::bigint[])
ORDER BY array_position($1::bigint[], h.id);

-- name: members
SELECT m.id, m.household_id, m.display_name, m.language
FROM members m
WHERE m.household_id = ANY ($1::bigint[])
ORDER BY m.id;

-- name: contacts
-- Each member's contact points: the channels the member chose on it, what the channels
-- learned about it, and the channels it refused (for everything, or exercises only).
SELECT mc.member_id, cp.id, cp.kind, cp.phone_e164, cp.email, cp.line_type, cp.sms_capable,
       cp.verification, cp.not_in_service_at,
       array_agg(mc.channel ORDER BY mc.channel) AS channels,
       ARRAY(SELECT o.channel FROM opt_outs o
             WHERE o.contact_point_id = cp.id AND o.emergencies ORDER BY o.channel) AS refused,
       ARRAY(SELECT o.channel FROM opt_outs o
             WHERE o.contact_point_id = cp.id AND NOT o.emergencies
             ORDER BY o.channel) AS refused_exercises
FROM member_channels mc
JOIN members m ON m.id = mc.member_id
JOIN contact_points cp ON cp.id = mc.contact_point_id
WHERE m.household_id = ANY ($1::bigint[])
GROUP BY mc.member_id, cp.id
ORDER BY mc.member_id, cp.kind DESC, cp.id;

-- name: consents
-- Every consent record of the household's members, history included.
SELECT c.member_id, c.purpose, c.wording_version, c.language, c.source, c.granted_at,
       c.withdrawn_at
FROM consents c
JOIN members m ON m.id = c.member_id
WHERE m.household_id = $1
ORDER BY c.member_id, c.purpose, c.granted_at DESC;

-- name: sectors
SELECT code, name_fr, name_en FROM sectors ORDER BY community, name_fr, code;

-- name: is_member
SELECT EXISTS (SELECT 1 FROM members WHERE id = $2 AND household_id = $1);

-- name: contact_kind
-- The kind of a contact point that a member of the household lists; nothing otherwise
-- (every edit of a contact point goes through this check).
SELECT cp.kind
FROM contact_points cp
WHERE cp.id = $2
  AND EXISTS (SELECT 1 FROM member_channels mc JOIN members m ON m.id = mc.member_id
              WHERE mc.contact_point_id = cp.id AND m.household_id = $1);

-- name: update_member
UPDATE members SET display_name = $3, language = $4
WHERE id = $2 AND household_id = $1;

-- name: drop_member_contact
DELETE FROM member_channels WHERE member_id = $1 AND contact_point_id = $2;
