-- The 411 directory import (issue 16; docs/directory.md): each import with its summary,
-- the rows read from its file with what the import makes of them, and what the
-- directory enrolled, one row per number.

-- One import of a listing file: read (a dry run) and, once staff confirm, applied.
CREATE TABLE directory_imports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    staff_id bigint REFERENCES staff (id) ON DELETE SET NULL,
    file_name text NOT NULL DEFAULT '',
    is_full boolean NOT NULL,
    state text NOT NULL DEFAULT 'reading'
        CHECK (state IN ('reading', 'ready', 'applied', 'failed')),
    encoding text NOT NULL DEFAULT '',
    delimiter text NOT NULL DEFAULT '',
    columns text[] NOT NULL DEFAULT '{}',
    lines_total integer NOT NULL DEFAULT 0,
    lines_read integer NOT NULL DEFAULT 0,
    problem text NOT NULL DEFAULT '',
    dry_run jsonb,
    applied jsonb,
    applied_at timestamptz,
    applied_by bigint REFERENCES staff (id) ON DELETE SET NULL
);

-- The rows of an import's file: what was read (raw, for the summary), the listing made
-- of it or why not, and, from the dry run on, what the import does with it (outcome).
-- household_id, member_id and contact_point_id are working values while applying.
CREATE TABLE directory_import_rows (
    import_id bigint NOT NULL REFERENCES directory_imports (id) ON DELETE CASCADE,
    line integer NOT NULL,
    raw text NOT NULL,
    status text NOT NULL CHECK (status IN ('listing', 'business', 'error')),
    problem_fr text NOT NULL DEFAULT '',
    problem_en text NOT NULL DEFAULT '',
    phone_e164 text,
    display_name text,
    civic_number integer,
    unit text,
    street text,
    street_key text,
    community text CHECK (community IN ('uashat', 'mani-utenam')),
    sector_code text,
    sector_method text,
    sector_note text CHECK (sector_note IN ('unknown_street', 'outside_segments')),
    address_key text,
    outcome text CHECK (outcome IN ('new', 'updated', 'unchanged', 'claimed', 'excluded',
                                    'kept', 'duplicate')),
    household_id bigint,
    member_id bigint,
    contact_point_id bigint,
    PRIMARY KEY (import_id, line),
    CHECK ((status = 'listing') = (address_key IS NOT NULL))
);
CREATE INDEX directory_import_rows_phone_idx ON directory_import_rows (import_id, phone_e164);

-- What the directory enrolled: the number's contact point, the member and household
-- made for it, and the name and address last listed. removed_at: absent from a later
-- full listing (its voice choice was taken away; listed again, it comes back).
CREATE TABLE directory_listings (
    phone_e164 text PRIMARY KEY CHECK (phone_e164 ~ '^\+[1-9][0-9]{7,14}$'),
    contact_point_id bigint NOT NULL REFERENCES contact_points (id) ON DELETE CASCADE,
    member_id bigint REFERENCES members (id) ON DELETE SET NULL,
    household_id bigint REFERENCES households (id) ON DELETE SET NULL,
    display_name text NOT NULL,
    address_key text NOT NULL,
    import_id bigint REFERENCES directory_imports (id) ON DELETE SET NULL,
    listed_at timestamptz NOT NULL DEFAULT now(),
    removed_at timestamptz
);
CREATE INDEX directory_listings_address_idx ON directory_listings (address_key);
CREATE INDEX directory_listings_member_idx ON directory_listings (member_id);
CREATE INDEX directory_listings_household_idx ON directory_listings (household_id);

-- Who the portal has a say on: numbers of live accounts, numbers that came from the
-- portal, numbers of members of a household a live account keeps; and the addresses
-- whose directory household a live account keeps. An import never changes them.
CREATE VIEW directory_claimed_phones AS
    SELECT a.phone_e164 FROM resident_accounts a
    WHERE a.deleted_at IS NULL
    UNION
    SELECT cp.phone_e164 FROM contact_points cp
    WHERE cp.source = 'portal' AND cp.phone_e164 IS NOT NULL
    UNION
    SELECT cp.phone_e164 FROM contact_points cp
    JOIN member_channels mc ON mc.contact_point_id = cp.id
    JOIN members m ON m.id = mc.member_id
    JOIN resident_accounts a ON a.household_id = m.household_id
    WHERE a.deleted_at IS NULL AND cp.phone_e164 IS NOT NULL;
CREATE VIEW directory_claimed_addresses AS
    SELECT d.address_key FROM directory_listings d
    JOIN resident_accounts a ON a.household_id = d.household_id
    WHERE a.deleted_at IS NULL;
