-- name: upsert
INSERT INTO sectors (code, community, name_fr, name_en, boundary)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (code) DO UPDATE
SET community = excluded.community, name_fr = excluded.name_fr, name_en = excluded.name_en,
    boundary = excluded.boundary
RETURNING id;

-- name: set_parent
UPDATE sectors SET parent_id = (SELECT p.id FROM sectors p WHERE p.code = $2) WHERE code = $1;

-- name: delete_segments
DELETE FROM street_segments WHERE sector_id = $1;

-- name: insert_segment
INSERT INTO street_segments (sector_id, street, street_key, from_number, to_number, side)
VALUES ($1, $2, $3, $4, $5, $6);

-- name: all
SELECT s.id, s.code, s.community, p.code AS parent_code, s.name_fr, s.name_en,
       s.boundary::text AS boundary
FROM sectors s
LEFT JOIN sectors p ON p.id = s.parent_id
ORDER BY s.id;

-- name: all_segments
SELECT sector_id, street, from_number, to_number, side FROM street_segments ORDER BY id;

-- name: ids_by_code
SELECT code, id FROM sectors WHERE code = ANY ($1::text[]);

-- name: household_counts
SELECT s.code, count(h.id) AS households
FROM sectors s
LEFT JOIN households h ON h.sector_id = s.id
GROUP BY s.code;
