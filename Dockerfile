# The Information ITUM application image (see docker-compose.yml).
# BASE: a Debian 12 image; the official Python one by default, or one built locally
# (scripts/compose-check imports a debootstrap root where no registry is reachable).
ARG BASE=python:3.11-slim-bookworm
FROM ${BASE}
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng sox libsox-fmt-mp3 ffmpeg \
       ca-certificates \
    && if ! python3 -m venv --help >/dev/null 2>&1; then \
           apt-get install -y --no-install-recommends python3 python3-venv; fi \
    && rm -rf /var/lib/apt/lists/*
# uid 10001 also owns the PBX sounds directory in the asterisk service (alert audio).
# The PBX volume's mount point too: an engine that fills a new volume from the image
# (Docker) then hands it to ivr, so the app may write prompts before Asterisk starts.
RUN groupadd --system --gid 10001 ivr \
    && useradd --system --uid 10001 --gid 10001 --home /var/lib/ivr --create-home ivr \
    && install -d -o ivr -g ivr /var/lib/information-itum
WORKDIR /build
COPY pyproject.toml README.md ./
COPY ivr ivr
COPY asterisk-config asterisk-config
COPY sounds sounds
# Not editable: the PBX configuration, prompts, SQL and pages are package data.
RUN python3 -m venv /opt/information-itum/venv \
    && /opt/information-itum/venv/bin/pip install --no-cache-dir . \
    && cd / && rm -rf /build
ENV PATH=/opt/information-itum/venv/bin:$PATH
WORKDIR /var/lib/ivr
USER ivr
ENV IVR_DATA_DIR=/var/lib/ivr
EXPOSE 8080 4573
CMD ["ivr", "serve"]
