-- Staff roles as the admin pages name them (docs/security.md): an 'author' is now an
-- 'operator' (drafts and test sends; launching and cancelling are for approvers).

ALTER TABLE staff DROP CONSTRAINT staff_role_check;
UPDATE staff SET role = 'operator' WHERE role = 'author';
ALTER TABLE staff ADD CONSTRAINT staff_role_check
    CHECK (role IN ('admin', 'approver', 'operator', 'viewer'));
