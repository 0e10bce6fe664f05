-- name: record
INSERT INTO audit_log (staff_id, action, subject, details, client_address)
VALUES ($1, $2, $3, $4::jsonb, $5);
