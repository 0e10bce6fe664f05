"""Ways residents enter the database in bulk: the fictional demo data, and the 411
directory import of pre-enrolled landlines (docs/directory.md)."""
