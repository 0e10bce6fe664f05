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
