# A stand-in for the official postgres image where no registry is reachable
# (scripts/compose-check builds it from a local Debian 12 image): Debian's PostgreSQL 15
# answering to the same variables (POSTGRES_USER, POSTGRES_PASSWORD, POSTGRES_DB), with
# the same data directory, user and port.
ARG BASE
FROM ${BASE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-15 \
    && rm -rf /var/lib/apt/lists/* \
    && install -d -o postgres -g postgres -m 0700 /var/lib/postgresql/data
COPY docker/postgres-standin-entrypoint /usr/local/bin/
ENV PATH=/usr/lib/postgresql/15/bin:$PATH PGDATA=/var/lib/postgresql/data
USER postgres
EXPOSE 5432
ENTRYPOINT ["/usr/local/bin/postgres-standin-entrypoint"]
