-- A verification link the mail relay could not take for now (no connection, a 4xx
-- answer) waits before it is tried again, instead of being taken again at once by the
-- same round while the relay is away.
ALTER TABLE email_verifications ADD COLUMN next_try_at timestamptz;
