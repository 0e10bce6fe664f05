"""Ways residents enter the database in bulk: the fictional demo data today, the 411
directory import (pre-enrolled landlines) next."""
