-- name: get
SELECT sms_text, email_subject, email_body, voice_text
FROM message_templates WHERE category = $1 AND language = $2;

-- name: save
INSERT INTO message_templates (category, language, sms_text, email_subject, email_body,
                               voice_text, updated_by)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (category, language) DO UPDATE
SET sms_text = excluded.sms_text, email_subject = excluded.email_subject,
    email_body = excluded.email_body, voice_text = excluded.voice_text,
    updated_at = now(), updated_by = excluded.updated_by;

-- name: reset
DELETE FROM message_templates WHERE category = $1 AND language = $2;
