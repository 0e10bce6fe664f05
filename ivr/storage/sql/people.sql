-- name: add_household
INSERT INTO households (civic_number, street, street_key, unit, community, postal_code,
                        latitude, longitude, sector_id, sector_method, preferred_language)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8,
        (SELECT id FROM sectors WHERE code = $9), $10, $11)
RETURNING id;

-- name: add_member
INSERT INTO members (household_id, display_name, language) VALUES ($1, $2, $3) RETURNING id;

-- name: upsert_phone
-- One row per number: a second listing of the same number returns the same id and
-- only sharpens what is known (a known line type is kept over 'unknown').
INSERT INTO contact_points (kind, phone_e164, line_type, source)
VALUES ('phone', $1, $2, $3)
ON CONFLICT (phone_e164) DO UPDATE
SET line_type = CASE WHEN excluded.line_type = 'unknown' THEN contact_points.line_type
                     ELSE excluded.line_type END,
    updated_at = now()
RETURNING id;

-- name: upsert_email
INSERT INTO contact_points (kind, email, source)
VALUES ('email', $1, $2)
ON CONFLICT ((lower(email))) DO UPDATE SET updated_at = now()
RETURNING id;

-- name: choose_channel
INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel)
SELECT $1, cp.id, cp.kind, $3 FROM contact_points cp WHERE cp.id = $2
ON CONFLICT DO NOTHING;

-- name: drop_channel
DELETE FROM member_channels WHERE member_id = $1 AND contact_point_id = $2 AND channel = $3;

-- name: opt_out
INSERT INTO opt_outs (contact_point_id, channel, source) VALUES ($1, $2, $3)
ON CONFLICT DO NOTHING;

-- name: opt_in
DELETE FROM opt_outs WHERE contact_point_id = $1 AND channel = $2;

-- name: grant_consent
INSERT INTO consents (member_id, purpose, wording_version, language, source)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (member_id, purpose) WHERE withdrawn_at IS NULL DO NOTHING
RETURNING id;

-- name: withdraw_consent
UPDATE consents SET withdrawn_at = now()
WHERE member_id = $1 AND purpose = $2 AND withdrawn_at IS NULL
RETURNING id;

-- name: set_sms_capable
-- What delivery receipts taught us: 'no' after UNDELIV/REJECTD, 'yes' after DELIVRD.
UPDATE contact_points SET sms_capable = $2, updated_at = now() WHERE id = $1 AND kind = 'phone';

-- name: set_verification
UPDATE contact_points SET verification = $2, updated_at = now() WHERE id = $1;

-- name: clear_not_in_service
UPDATE contact_points SET not_in_service_at = NULL, updated_at = now() WHERE id = $1;

-- name: households_to_place
-- Every household whose sector was not set by staff, for reassignment after the
-- sectors changed (read through a cursor).
SELECT h.id, h.civic_number, h.street, h.longitude, h.latitude, s.code AS sector_code,
       h.sector_method
FROM households h
LEFT JOIN sectors s ON s.id = h.sector_id
WHERE h.sector_method IS DISTINCT FROM 'staff'
ORDER BY h.id;

-- name: place_household
UPDATE households
SET sector_id = (SELECT id FROM sectors WHERE code = $2), sector_method = $3
WHERE id = $1;

-- name: set_household_sector_by_staff
UPDATE households
SET sector_id = s.id, sector_method = 'staff'
FROM sectors s
WHERE households.id = $1 AND s.code = $2
RETURNING households.id;

-- name: any_household
SELECT EXISTS (SELECT 1 FROM households);
