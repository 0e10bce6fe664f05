-- A synthetic population of current_setting('bench.residents') residents for
-- bench/audience.py: 2 communities x 5 sub-sectors; 2.5 residents per household; a
-- landline for 70% of households (every member is called on it), a mobile for 50% of
-- members (70% SMS, 30% voice), an email for 30%; 2% SMS opt-outs, 1% numbers that
-- cannot take SMS, 10% exercise testers; languages fr 60%, innu 20%, en 20%.

INSERT INTO sectors (code, community, name_fr, name_en)
VALUES ('uashat', 'uashat', 'Uashat', 'Uashat'),
       ('mani-utenam', 'mani-utenam', 'Mani-utenam', 'Mani-utenam');

INSERT INTO sectors (code, community, parent_id, name_fr, name_en)
SELECT p.code || '-' || i, p.community, p.id, p.name_fr || ' ' || i, p.name_en || ' ' || i
FROM sectors p CROSS JOIN generate_series(1, 5) AS i;

INSERT INTO households (community, civic_number, street, street_key, sector_id, sector_method,
                        preferred_language)
SELECT s.community, h, 'rue ' || s.code, 'rue ' || s.code, s.id, 'staff',
       (ARRAY['fr', 'fr', 'fr', 'innu', 'en'])[1 + (hashint4(h + 9) & 2147483647) % 5]
FROM generate_series(1, current_setting('bench.residents')::int * 2 / 5) AS h
JOIN sectors s ON s.id = 3 + (hashint4(h) & 2147483647) % 10;

INSERT INTO members (household_id, display_name, language)
SELECT 1 + (hashint4(m) & 2147483647) % (SELECT count(*) FROM households), 'Résident ' || m,
       (ARRAY['fr', 'fr', 'fr', 'innu', 'en'])[1 + (hashint4(m + 8) & 2147483647) % 5]
FROM generate_series(1, current_setting('bench.residents')::int) AS m;

WITH landline AS (
    INSERT INTO contact_points (kind, phone_e164, line_type, source)
    SELECT 'phone', '+1418' || (2000000 + h.id), 'landline', 'directory'
    FROM households h WHERE (hashint8(h.id + 1) & 2147483647) % 100 < 70
    RETURNING id, phone_e164
)
INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel)
SELECT m.id, l.id, 'phone', 'voice'
FROM landline l JOIN members m ON m.household_id = substr(l.phone_e164, 6)::int - 2000000;

WITH mobile AS (
    INSERT INTO contact_points (kind, phone_e164, line_type, sms_capable, source)
    SELECT 'phone', '+1581' || (1000000 + m.id), 'mobile',
           CASE WHEN (hashint8(m.id + 3) & 2147483647) % 100 = 0 THEN 'no' ELSE 'unknown' END,
           'portal'
    FROM members m WHERE (hashint8(m.id + 2) & 2147483647) % 100 < 50
    RETURNING id, phone_e164
)
INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel)
SELECT substr(phone_e164, 6)::int - 1000000, id, 'phone',
       CASE WHEN (hashint8(id + 4) & 2147483647) % 100 < 70 THEN 'sms' ELSE 'voice' END
FROM mobile;

WITH email AS (
    INSERT INTO contact_points (kind, email, source)
    SELECT 'email', 'm' || m.id || '@bench.example', 'portal'
    FROM members m WHERE (hashint8(m.id + 5) & 2147483647) % 100 < 30
    RETURNING id, email
)
INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel)
SELECT split_part(substr(email, 2), '@', 1)::int, id, 'email', 'email' FROM email;

INSERT INTO opt_outs (contact_point_id, channel, source)
SELECT id, 'sms', 'resident' FROM contact_points
WHERE line_type = 'mobile' AND (hashint8(id + 6) & 2147483647) % 100 < 2;

INSERT INTO consents (member_id, purpose, wording_version, language, source)
SELECT id, 'exercise_alerts', 'bench', 'fr', 'portal' FROM members
WHERE (hashint8(id + 7) & 2147483647) % 100 < 10;

INSERT INTO staff (email, display_name, role, password_hash)
VALUES ('bench@bench.example', 'Bench', 'admin', 'x');

INSERT INTO alerts (title, category, urgency, target_all, drafted_by)
VALUES ('Évacuation', 'evacuation', 'urgent', true, 1),
       ('Avis d''ébullition', 'boil_water', 'high', false, 1);
INSERT INTO alert_sectors (alert_id, sector_id)
SELECT 2, id FROM sectors WHERE code IN ('uashat-1', 'uashat-2', 'mani-utenam');

INSERT INTO alert_contents (alert_id, language, sms_text, email_subject, email_body,
                            voice_recording, voice_text)
SELECT a, l.language, l.sms, l.subject, l.body, l.recording, l.speech
FROM generate_series(1, 2) AS a
CROSS JOIN (VALUES
    ('fr', 'Avis', 'Avis', 'Avis.', NULL, 'Avis.'),
    ('en', 'Notice', 'Notice', 'Notice.', NULL, 'Notice.'),
    ('innu', NULL, NULL, NULL, 'innu-recording', NULL)
) AS l (language, sms, subject, body, recording, speech);

ANALYZE;
