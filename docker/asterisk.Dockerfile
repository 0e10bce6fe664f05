# The product's Asterisk 22 (Debian sid packages, as in development and tests), with the
# ivr package only to render asterisk-config/ from the same IVR_* settings as the app.
# BASE: a Debian sid image; scripts/compose-check imports the provisioned root instead.
ARG BASE=debian:sid
FROM ${BASE}
RUN apt-get -o Acquire::Check-Valid-Until=false update \
    && apt-get install -y --no-install-recommends asterisk asterisk-modules \
       asterisk-core-sounds-fr asterisk-core-sounds-en sox espeak-ng python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /build
COPY pyproject.toml README.md ./
COPY ivr ivr
COPY asterisk-config asterisk-config
COPY sounds sounds
RUN python3 -m venv /opt/ivr && /opt/ivr/bin/pip install --no-cache-dir . \
    && cd / && rm -rf /build
ENV IVR_ASTERISK_ROOT=/
# The app (uid 10001) writes alert audio into the sounds directory and takes the staff
# line's recordings; Asterisk reads the one and writes the other.
CMD ["sh", "-c", "conf=$(/opt/ivr/bin/ivr render-pbx-config) && pbx=/var/lib/information-itum/pbx && chown 10001 $pbx/sounds && chown :10001 $pbx/recordings && chmod 0770 $pbx/recordings && exec asterisk -f -U asterisk -G asterisk -C \"$conf\""]
