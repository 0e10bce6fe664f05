-- Tokens of the JSON API (docs/api.md), one per integration, each acting for a staff
-- member within its scopes. Only the SHA-256 of a token is kept: the token itself is
-- shown once, when it is made.
CREATE TABLE api_tokens (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name text NOT NULL CHECK (name <> ''),
    staff_id bigint NOT NULL REFERENCES staff (id) ON DELETE RESTRICT,
    scopes text[] NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY['alerts:read',
        'alerts:write', 'alerts:send', 'sectors:read']),
    token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz
);
