# The Information ITUM application image (see docker-compose.yml).
FROM python:3.11-slim-bookworm
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng sox libsox-fmt-mp3 \
    && rm -rf /var/lib/apt/lists/*
# uid 10001 also owns the PBX sounds directory in the asterisk service (alert audio).
RUN useradd --system --uid 10001 --home /var/lib/ivr --create-home ivr
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ivr ivr
COPY asterisk-config asterisk-config
COPY sounds sounds
COPY server.py ./
# Editable: the package reads asterisk-config/ and sounds/ beside it.
RUN pip install --no-cache-dir -e .
USER ivr
ENV IVR_DATA_DIR=/var/lib/ivr
EXPOSE 8080 4573
CMD ["ivr", "serve"]
