-- Retention (issue 18): what identifies a person in an alert's deliveries is
-- pseudonymized once the alert ended IVR_RETENTION_DAYS ago (docs/backups.md).

-- When the alert's deliveries were pseudonymized (null: not yet).
ALTER TABLE alerts ADD COLUMN pseudonymized_at timestamptz;

-- An old message from a phone keeps its keyword, alert and reply; its number and text
-- are emptied.
ALTER TABLE sms_inbound ALTER COLUMN phone_e164 DROP NOT NULL;
