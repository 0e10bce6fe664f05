"""What runs a query: a pool, a connection, or a connection taken from a pool.

Repositories take an ``Executor`` when one statement is enough (pass the pool, or a
connection to join the caller's transaction) and a ``Connection`` when they need a
transaction of their own.
"""

from __future__ import annotations

import asyncpg
import asyncpg.pool

Connection = asyncpg.Connection | asyncpg.pool.PoolConnectionProxy
Executor = asyncpg.Pool | asyncpg.Connection | asyncpg.pool.PoolConnectionProxy
