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
