-- An attempt's reference is not always a phone channel's id: the same column tags an
-- SMS or an email attempt. Renamed from channel_id ("channel" means voice/SMS/email).
ALTER TABLE delivery_attempts RENAME COLUMN channel_id TO reference;
ALTER INDEX delivery_attempts_channel_idx RENAME TO delivery_attempts_reference_idx;
