-- name: attempt_context
-- What the call flow needs about the call whose attempt reference (its ChannelId) is $1.
SELECT a.id AS attempt_id, a.delivery_id, a.attempt_number, d.alert_id, d.language,
       a.flow_token_hash, a.ended_at IS NOT NULL AS ended
FROM delivery_attempts a
JOIN deliveries d ON d.id = a.delivery_id
WHERE a.reference = $1;

-- name: alert_audio
-- The alert's audio per language, the delivery's language first.
SELECT language, sound_name, seconds
FROM alert_audio
WHERE alert_id = $1
ORDER BY language <> $2, array_position(ARRAY['fr', 'en', 'innu'], language);

-- name: set_flow_token
UPDATE delivery_attempts SET flow_token_hash = $2 WHERE id = $1 AND ended_at IS NULL;

-- name: record_answer
-- Only while the attempt is open: what an ended attempt recorded never changes.
UPDATE delivery_attempts
SET answered_at = coalesce(answered_at, now()), amd_status = $2, amd_cause = $3
WHERE id = $1 AND ended_at IS NULL;

-- name: record_progress
-- The call flow's account so far: keys, seconds of message played, its outcome, how the
-- call was heard (only while the attempt is open).
UPDATE delivery_attempts
SET keys_pressed = $2, message_seconds = $3, outcome = $4,
    greeting_end = $5, greeting_wait_seconds = $6, silence_before_message = $7,
    beep_during_playback = $8, answer_to_audio_seconds = $9, amd_seconds = $10
WHERE id = $1 AND ended_at IS NULL;

-- name: flow_result
SELECT outcome, answered_at, amd_status, message_seconds
FROM delivery_attempts
WHERE id = $1;

-- name: save_audio
INSERT INTO alert_audio (alert_id, language, sound_name, seconds, source)
VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (alert_id, language) DO UPDATE
SET sound_name = EXCLUDED.sound_name, seconds = EXCLUDED.seconds, source = EXCLUDED.source,
    created_at = now();

-- name: voice_contents
-- The voice content of alert $1 per language: a recording to convert, or text to speak.
SELECT language, voice_recording, voice_text
FROM alert_contents
WHERE alert_id = $1 AND (voice_recording IS NOT NULL OR voice_text IS NOT NULL);
