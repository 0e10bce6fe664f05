-- name: record
INSERT INTO audit_log (staff_id, action, subject, details, client_address)
VALUES ($1, $2, $3, $4::jsonb, $5);

-- name: recent
SELECT a.id, a.at, a.action, a.subject, a.details, a.client_address, s.display_name AS staff_name
FROM audit_log a
LEFT JOIN staff s ON s.id = a.staff_id
ORDER BY a.at DESC, a.id DESC
LIMIT $1;

-- name: recent_for_staff
SELECT a.id, a.at, a.action, a.subject, a.details, a.client_address, s.display_name AS staff_name
FROM audit_log a
LEFT JOIN staff s ON s.id = a.staff_id
WHERE a.staff_id = $1
ORDER BY a.at DESC, a.id DESC
LIMIT $2;
