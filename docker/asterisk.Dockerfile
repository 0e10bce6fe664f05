# The product's Asterisk 22 (Debian sid packages, as in development and tests), with the
# ivr package only to render asterisk-config/ from the same IVR_* settings as the app.
FROM debian:sid
RUN apt-get -o Acquire::Check-Valid-Until=false update \
    && apt-get install -y --no-install-recommends asterisk asterisk-modules \
       asterisk-core-sounds-fr asterisk-core-sounds-en sox espeak-ng python3 python3-venv \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md ./
COPY ivr ivr
COPY simnet simnet
COPY asterisk-config asterisk-config
COPY sounds sounds
RUN python3 -m venv /opt/ivr && /opt/ivr/bin/pip install --no-cache-dir -e .
ENV IVR_ASTERISK_ROOT=/
# The app (uid 10001) writes alert audio into the sounds directory; Asterisk reads it.
CMD ["sh", "-c", "conf=$(/opt/ivr/bin/ivr render-pbx-config) && chown 10001 /var/lib/information-itum/pbx/sounds && exec asterisk -f -U asterisk -G asterisk -C \"$conf\""]
