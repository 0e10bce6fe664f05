-- name: set_pin
INSERT INTO staff_pins (staff_id, pin_hash) VALUES ($1, $2)
ON CONFLICT (staff_id) DO UPDATE
SET pin_hash = EXCLUDED.pin_hash, failures = 0, locked_until = NULL, updated_at = now();

-- name: pin
-- Staff $1's PIN, role and lock, if they are active and have a PIN.
SELECT p.pin_hash, p.locked_until > now() AS locked, s.role
FROM staff_pins p JOIN staff s ON s.id = p.staff_id
WHERE p.staff_id = $1 AND NOT s.disabled;

-- name: failed
-- One more wrong PIN for staff $1; the $2-th in a row locks the number for $3 minutes
-- (and the count starts again). Returns whether it is now locked.
UPDATE staff_pins
SET failures = CASE WHEN failures + 1 >= $2 THEN 0 ELSE failures + 1 END,
    locked_until = CASE WHEN failures + 1 >= $2
                        THEN now() + make_interval(mins => $3) ELSE locked_until END,
    updated_at = now()
WHERE staff_id = $1
RETURNING locked_until > now() AS locked;

-- name: succeeded
UPDATE staff_pins SET failures = 0, updated_at = now() WHERE staff_id = $1;

-- name: draft_exists
SELECT EXISTS (SELECT 1 FROM alerts WHERE id = $1 AND state = 'draft');

-- name: attach_recording
-- A phone recording becomes the voice message of draft $1 in language $2.
WITH draft AS (SELECT id FROM alerts WHERE id = $1 AND state = 'draft' FOR UPDATE),
saved AS (
    INSERT INTO phone_recordings (alert_id, language, path, seconds, recorded_by)
    SELECT id, $2, $3, $4, $5 FROM draft RETURNING alert_id
)
INSERT INTO alert_contents (alert_id, language, voice_recording)
SELECT alert_id, $2, $3 FROM saved
ON CONFLICT (alert_id, language) DO UPDATE SET voice_recording = EXCLUDED.voice_recording
RETURNING alert_id;

-- name: recordings
SELECT r.id, r.language, r.path, r.seconds, r.recorded_at, s.display_name AS recorded_by
FROM phone_recordings r JOIN staff s ON s.id = r.recorded_by
WHERE r.alert_id = $1
ORDER BY r.recorded_at DESC;

-- name: recording_file
SELECT path FROM phone_recordings WHERE id = $1 AND alert_id = $2;
