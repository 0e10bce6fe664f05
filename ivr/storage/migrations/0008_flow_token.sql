-- The call flow serves a FastAGI session only for a call we placed: at Originate the
-- voice channel gives the call a random token (a channel variable) and keeps its
-- SHA-256 here; a session that cannot show it is refused.
ALTER TABLE delivery_attempts ADD COLUMN flow_token_hash bytea;
