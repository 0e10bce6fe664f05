-- name: create_import
INSERT INTO directory_imports (staff_id, file_name, is_full) VALUES ($1, $2, $3) RETURNING id;

-- name: set_file_info
UPDATE directory_imports SET encoding = $2, delimiter = $3, columns = $4, lines_total = $5
WHERE id = $1;

-- name: set_progress
UPDATE directory_imports SET lines_read = $2 WHERE id = $1;

-- name: fail_import
UPDATE directory_imports SET state = 'failed', problem = $2 WHERE id = $1;

-- name: finish_dry_run
UPDATE directory_imports SET state = 'ready', dry_run = $2::jsonb, lines_read = lines_total
WHERE id = $1;

-- name: finish_apply
UPDATE directory_imports
SET state = 'applied', applied = $2::jsonb, applied_at = now(), applied_by = $3
WHERE id = $1;

-- name: get_import
SELECT id, created_at, staff_id, file_name, is_full, state, encoding, delimiter, columns,
       lines_total, lines_read, problem, dry_run, applied, applied_at
FROM directory_imports WHERE id = $1;

-- name: lock_ready_import
SELECT is_full FROM directory_imports WHERE id = $1 AND state = 'ready' FOR UPDATE;

-- name: try_lock
SELECT pg_try_advisory_lock($1);

-- name: unlock
SELECT pg_advisory_unlock($1);

-- name: purge_old_rows
-- The rows read keep names and numbers: kept for the summary a month, then dropped.
DELETE FROM directory_import_rows r
USING directory_imports i
WHERE i.id = r.import_id AND i.created_at < now() - make_interval(days => $1);

-- name: classify
-- What the import does with each listing: a number seen on an earlier line is a
-- duplicate; then excluded (its resident deleted their account), claimed on the portal,
-- kept (registered otherwise, by staff), new, unchanged or updated.
WITH listed AS (
    SELECT r.line, r.phone_e164, r.display_name, r.address_key,
           min(r.line) OVER (PARTITION BY r.phone_e164) AS first_line
    FROM directory_import_rows r
    WHERE r.import_id = $1 AND r.status = 'listing'
), judged AS (
    SELECT l.line, l.first_line,
           CASE
               WHEN l.line > l.first_line THEN 'duplicate'
               WHEN EXISTS (SELECT 1 FROM directory_exclusions x
                            WHERE x.phone_e164 = l.phone_e164) THEN 'excluded'
               WHEN EXISTS (SELECT 1 FROM directory_claimed_phones c
                            WHERE c.phone_e164 = l.phone_e164)
                    OR EXISTS (SELECT 1 FROM directory_claimed_addresses c
                               WHERE c.address_key = l.address_key) THEN 'claimed'
               WHEN d.phone_e164 IS NULL AND cp.id IS NOT NULL THEN 'kept'
               WHEN d.phone_e164 IS NULL THEN 'new'
               WHEN d.removed_at IS NULL AND d.display_name = l.display_name
                    AND d.address_key = l.address_key
                    AND EXISTS (SELECT 1 FROM member_channels mc
                                WHERE mc.member_id = d.member_id
                                  AND mc.contact_point_id = d.contact_point_id
                                  AND mc.channel = 'voice') THEN 'unchanged'
               ELSE 'updated'
           END AS outcome
    FROM listed l
    LEFT JOIN directory_listings d ON d.phone_e164 = l.phone_e164
    LEFT JOIN contact_points cp ON cp.phone_e164 = l.phone_e164
)
UPDATE directory_import_rows r
SET outcome = j.outcome,
    problem_fr = CASE WHEN j.outcome = 'duplicate'
                      THEN 'Numéro déjà lu à la ligne ' || j.first_line || '.' ELSE '' END,
    problem_en = CASE WHEN j.outcome = 'duplicate'
                      THEN 'Number already read on line ' || j.first_line || '.' ELSE '' END
FROM judged j
WHERE r.import_id = $1 AND r.line = j.line;

-- name: summary
SELECT count(*) AS rows,
       count(*) FILTER (WHERE outcome = 'new') AS new,
       count(*) FILTER (WHERE outcome = 'updated') AS updated,
       count(*) FILTER (WHERE outcome = 'unchanged') AS unchanged,
       count(*) FILTER (WHERE outcome = 'claimed') AS claimed,
       count(*) FILTER (WHERE outcome = 'excluded') AS excluded,
       count(*) FILTER (WHERE outcome = 'kept') AS kept,
       count(*) FILTER (WHERE status = 'business') AS business,
       count(*) FILTER (WHERE status = 'error' OR outcome = 'duplicate') AS errors,
       count(*) FILTER (WHERE status = 'listing' AND outcome <> 'duplicate'
                        AND sector_code IS NULL) AS unmatched
FROM directory_import_rows
WHERE import_id = $1;

-- name: count_absent
-- Enrolled numbers a full listing no longer has (a row in error still counts as
-- listed: a bad row must not take anyone's alerts away), and nobody claimed.
SELECT count(*)
FROM directory_listings d
WHERE d.removed_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM directory_import_rows r
                  WHERE r.import_id = $1 AND r.phone_e164 = d.phone_e164
                    AND r.status IN ('listing', 'error'))
  AND NOT EXISTS (SELECT 1 FROM directory_claimed_phones c
                  WHERE c.phone_e164 = d.phone_e164)
  AND NOT EXISTS (SELECT 1 FROM directory_claimed_addresses c
                  WHERE c.address_key = d.address_key);

-- name: deactivate_absent
WITH gone AS (
    UPDATE directory_listings d SET removed_at = now()
    WHERE d.removed_at IS NULL
      AND NOT EXISTS (SELECT 1 FROM directory_import_rows r
                      WHERE r.import_id = $1 AND r.phone_e164 = d.phone_e164
                        AND r.status IN ('listing', 'error'))
      AND NOT EXISTS (SELECT 1 FROM directory_claimed_phones c
                      WHERE c.phone_e164 = d.phone_e164)
      AND NOT EXISTS (SELECT 1 FROM directory_claimed_addresses c
                      WHERE c.address_key = d.address_key)
    RETURNING d.member_id, d.contact_point_id
), dropped AS (
    DELETE FROM member_channels mc
    USING gone
    WHERE mc.member_id = gone.member_id AND mc.contact_point_id = gone.contact_point_id
      AND mc.channel = 'voice'
)
SELECT count(*) FROM gone;

-- name: problem_rows
SELECT line, raw, problem_fr, problem_en
FROM directory_import_rows
WHERE import_id = $1 AND (status = 'error' OR outcome = 'duplicate')
ORDER BY line
LIMIT $2;

-- name: unmatched_rows
SELECT line, raw, sector_note
FROM directory_import_rows
WHERE import_id = $1 AND status = 'listing' AND outcome <> 'duplicate' AND sector_code IS NULL
ORDER BY line
LIMIT $2;

-- name: households_known
-- Each address the directory enrolled before keeps its household.
UPDATE directory_import_rows r
SET household_id = d.household_id
FROM (SELECT DISTINCT ON (address_key) address_key, household_id
      FROM directory_listings
      WHERE household_id IS NOT NULL
      ORDER BY address_key, household_id) d
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated') AND r.address_key = d.address_key;

-- name: households_numbered
-- One new household per address not known yet: its id is taken first, so each row
-- knows its household without matching inserted rows back.
UPDATE directory_import_rows r
SET household_id = n.id
FROM (SELECT a.address_key, nextval(pg_get_serial_sequence('households', 'id')) AS id
      FROM (SELECT DISTINCT address_key FROM directory_import_rows
            WHERE import_id = $1 AND outcome IN ('new', 'updated')
              AND household_id IS NULL) a) n
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated') AND r.household_id IS NULL
  AND r.address_key = n.address_key;

-- name: households_made
-- Placed in the sector the dry run found.
INSERT INTO households (id, civic_number, street, street_key, unit, community, sector_id,
                        sector_method)
OVERRIDING SYSTEM VALUE
SELECT DISTINCT ON (r.household_id) r.household_id, r.civic_number, r.street, r.street_key,
       r.unit, r.community, s.id, CASE WHEN s.id IS NOT NULL THEN r.sector_method END
FROM directory_import_rows r
LEFT JOIN sectors s ON s.code = r.sector_code
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated')
  AND NOT EXISTS (SELECT 1 FROM households h WHERE h.id = r.household_id)
ORDER BY r.household_id, r.line;

-- name: members_known
-- A name listed again at its household is the same member.
UPDATE directory_import_rows r
SET member_id = d.member_id
FROM directory_listings d
JOIN members m ON m.id = d.member_id
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated')
  AND d.household_id = r.household_id AND d.display_name = r.display_name
  AND m.household_id = r.household_id;

-- name: members_numbered
UPDATE directory_import_rows r
SET member_id = n.id
FROM (SELECT p.household_id, p.display_name,
             nextval(pg_get_serial_sequence('members', 'id')) AS id
      FROM (SELECT DISTINCT household_id, display_name FROM directory_import_rows
            WHERE import_id = $1 AND outcome IN ('new', 'updated') AND member_id IS NULL) p) n
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated') AND r.member_id IS NULL
  AND r.household_id = n.household_id AND r.display_name = n.display_name;

-- name: members_made
INSERT INTO members (id, household_id, display_name, language)
OVERRIDING SYSTEM VALUE
SELECT DISTINCT ON (r.member_id) r.member_id, r.household_id, r.display_name, 'fr'
FROM directory_import_rows r
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated')
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = r.member_id)
ORDER BY r.member_id, r.line;

-- name: contact_points_numbered
UPDATE directory_import_rows r
SET contact_point_id = nextval(pg_get_serial_sequence('contact_points', 'id'))
WHERE r.import_id = $1 AND r.outcome = 'new';

-- name: contact_points_made
INSERT INTO contact_points (id, kind, phone_e164, line_type, source)
OVERRIDING SYSTEM VALUE
SELECT r.contact_point_id, 'phone', r.phone_e164, 'landline', 'directory'
FROM directory_import_rows r
WHERE r.import_id = $1 AND r.outcome = 'new';

-- name: contact_points_known
UPDATE directory_import_rows r
SET contact_point_id = d.contact_point_id
FROM directory_listings d
WHERE r.import_id = $1 AND r.outcome = 'updated' AND d.phone_e164 = r.phone_e164;

-- name: left_behind
-- The members and households an updated listing leaves (moved, renamed).
SELECT d.member_id, d.household_id
FROM directory_listings d
JOIN directory_import_rows r ON r.phone_e164 = d.phone_e164
WHERE r.import_id = $1 AND r.outcome = 'updated'
  AND d.member_id IS DISTINCT FROM r.member_id;

-- name: drop_old_choices
DELETE FROM member_channels mc
USING directory_listings d, directory_import_rows r
WHERE r.import_id = $1 AND r.outcome = 'updated' AND d.phone_e164 = r.phone_e164
  AND d.member_id IS DISTINCT FROM r.member_id
  AND mc.member_id = d.member_id AND mc.contact_point_id = d.contact_point_id
  AND mc.channel = 'voice';

-- name: choose_voice
INSERT INTO member_channels (member_id, contact_point_id, contact_kind, channel)
SELECT r.member_id, r.contact_point_id, 'phone', 'voice'
FROM directory_import_rows r
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated')
ON CONFLICT DO NOTHING;

-- name: record_listings
INSERT INTO directory_listings (phone_e164, contact_point_id, member_id, household_id,
                                display_name, address_key, import_id)
SELECT r.phone_e164, r.contact_point_id, r.member_id, r.household_id, r.display_name,
       r.address_key, r.import_id
FROM directory_import_rows r
WHERE r.import_id = $1 AND r.outcome IN ('new', 'updated')
ON CONFLICT (phone_e164) DO UPDATE
SET contact_point_id = excluded.contact_point_id, member_id = excluded.member_id,
    household_id = excluded.household_id, display_name = excluded.display_name,
    address_key = excluded.address_key, import_id = excluded.import_id,
    listed_at = now(), removed_at = NULL;

-- name: drop_empty_members
-- A member the directory made and left: no listing, no channel, no account.
DELETE FROM members m
WHERE m.id = ANY ($1::bigint[])
  AND NOT EXISTS (SELECT 1 FROM directory_listings d WHERE d.member_id = m.id)
  AND NOT EXISTS (SELECT 1 FROM member_channels mc WHERE mc.member_id = m.id)
  AND NOT EXISTS (SELECT 1 FROM resident_accounts a WHERE a.member_id = m.id);

-- name: drop_empty_households
DELETE FROM households h
WHERE h.id = ANY ($1::bigint[])
  AND NOT EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.id)
  AND NOT EXISTS (SELECT 1 FROM directory_listings d WHERE d.household_id = h.id)
  AND NOT EXISTS (SELECT 1 FROM resident_accounts a WHERE a.household_id = h.id);

-- name: lift_exclusion
DELETE FROM directory_exclusions WHERE phone_e164 = $1 RETURNING reason;

-- name: recent_imports
SELECT id FROM directory_imports ORDER BY id DESC LIMIT $1;

-- name: analyze
-- Rows just copied in look empty to the planner, which would then loop over them.
ANALYZE directory_import_rows, directory_listings;
