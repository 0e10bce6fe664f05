-- How each answered call was heard (issue: answering machines as they really behave):
-- how the end of an answering machine's greeting was found, how long the flow waited
-- for it, the silence the voicemail heard before the message, whether a beep sounded
-- while a "person" was being played to, the time from answer to the first audio sent,
-- and how long AMD took to decide.
ALTER TABLE delivery_attempts
    ADD COLUMN greeting_end text CHECK (greeting_end IN ('beep', 'silence', 'no_media', 'bound')),
    ADD COLUMN greeting_wait_seconds real CHECK (greeting_wait_seconds >= 0),
    ADD COLUMN silence_before_message real CHECK (silence_before_message >= 0),
    ADD COLUMN beep_during_playback boolean,
    ADD COLUMN answer_to_audio_seconds real CHECK (answer_to_audio_seconds >= 0),
    ADD COLUMN amd_seconds real CHECK (amd_seconds >= 0);
