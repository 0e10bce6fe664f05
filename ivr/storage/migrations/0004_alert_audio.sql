-- The audio the PBX plays for an alert, per language: a converted staff recording or
-- speech made from the alert's text. sound_name is the path Asterisk plays (no suffix).

CREATE TABLE alert_audio (
    alert_id bigint NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    language text NOT NULL CHECK (language IN ('fr', 'en', 'innu')),
    sound_name text NOT NULL CHECK (sound_name ~ '^/[A-Za-z0-9/_.-]+$'),
    seconds real NOT NULL CHECK (seconds > 0),
    source text NOT NULL CHECK (source IN ('recording', 'speech')),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, language)
);
