-- name: create
INSERT INTO api_tokens (name, staff_id, scopes, token_hash)
VALUES ($1, $2, $3::text[], $4)
RETURNING id;

-- name: revoke
UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL
RETURNING id, name, staff_id;

-- name: list
SELECT t.id, t.name, t.staff_id, s.email AS staff_email, t.scopes, t.created_at,
       t.last_used_at, t.revoked_at
FROM api_tokens t
JOIN staff s ON s.id = t.staff_id
ORDER BY t.id;

-- name: use
-- The live token whose hash is $1, acting for an active staff member, marked used now.
UPDATE api_tokens t SET last_used_at = now()
FROM staff s
WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND s.id = t.staff_id AND NOT s.disabled
RETURNING t.id, t.staff_id, s.role, t.scopes;
