-- name: create
INSERT INTO staff (email, display_name, role, password_hash)
VALUES ($1, $2, $3, $4)
RETURNING id;

-- name: get_by_email
SELECT id, email, display_name, role, password_hash, disabled
FROM staff
WHERE lower(email) = lower($1);

-- name: set_password
UPDATE staff SET password_hash = $2, password_changed_at = now() WHERE id = $1;

-- name: get
SELECT id, email, display_name, role, disabled
FROM staff
WHERE id = $1;

-- name: list
SELECT id, email, display_name, role, disabled, created_at, last_login_at
FROM staff
ORDER BY disabled, lower(display_name), id;

-- name: rehash
UPDATE staff SET password_hash = $2 WHERE id = $1;

-- name: record_login
UPDATE staff SET last_login_at = now() WHERE id = $1;

-- name: disable
UPDATE staff SET disabled = true WHERE id = $1 AND NOT disabled
RETURNING id;

-- name: count_active_admins
SELECT count(*) FROM staff WHERE role = 'admin' AND NOT disabled;

-- name: password_hash
SELECT password_hash FROM staff WHERE id = $1;

-- name: count
SELECT count(*) FROM staff;

-- name: lock_for_removal
-- Serialise admin removals so two admins cannot disable each other at once.
LOCK TABLE staff IN SHARE ROW EXCLUSIVE MODE;

-- name: get_login_by_id
SELECT id, email, display_name, role, password_hash, disabled
FROM staff
WHERE id = $1;

-- name: totp_get
SELECT secret_sealed, confirmed_at FROM staff_totp WHERE staff_id = $1;

-- name: totp_start
-- A new secret waiting for its first code; a confirmed one is never replaced here.
INSERT INTO staff_totp (staff_id, secret_sealed) VALUES ($1, $2)
ON CONFLICT (staff_id) DO UPDATE
SET secret_sealed = excluded.secret_sealed, created_at = now()
WHERE staff_totp.confirmed_at IS NULL;

-- name: totp_confirm
UPDATE staff_totp SET confirmed_at = now(), last_used_step = $2
WHERE staff_id = $1 AND confirmed_at IS NULL
RETURNING staff_id;

-- name: totp_use_step
-- A code counts only if its time-step is later than the last one used: no replay.
UPDATE staff_totp SET last_used_step = $2
WHERE staff_id = $1 AND confirmed_at IS NOT NULL AND last_used_step < $2
RETURNING staff_id;

-- name: totp_remove
DELETE FROM staff_totp WHERE staff_id = $1 RETURNING staff_id;

-- name: totp_enrolled
SELECT EXISTS (SELECT 1 FROM staff_totp WHERE staff_id = $1 AND confirmed_at IS NOT NULL);

-- name: code_step_begin
-- The password was right: this pre-login session may now give a code for this account.
INSERT INTO staff_totp_pending (session_hash, staff_id, expires_at)
VALUES ($1, $2, now() + $3::interval)
ON CONFLICT (session_hash) DO UPDATE
SET staff_id = excluded.staff_id, expires_at = excluded.expires_at;

-- name: code_step_staff
SELECT staff_id FROM staff_totp_pending WHERE session_hash = $1 AND expires_at > now();
