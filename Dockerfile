# herstelbot container image
#
#   docker build -t herstelbot .
#   docker run -d --name herstelbot -e BOT_TOKEN=... -v herstelbot-data:/data herstelbot
#
# - Runs as the unprivileged user 10001:10001. The SQLite database lives in the
#   /data volume (DATABASE_URL below). A bind-mounted host directory must be
#   writable by uid 10001. For PostgreSQL, set DATABASE_URL=postgresql+asyncpg://...
# - No secrets are baked in: BOT_TOKEN (and any other settings) come from the
#   environment at run time.
# - Behind a TLS-intercepting proxy or with a private package index, hand pip what
#   it needs at build time. None of it ends up in the final image:
#     docker build --secret id=pip_cert,src=/path/to/ca-bundle.crt \
#                  --build-arg PIP_INDEX_URL=https://<your-mirror>/simple -t herstelbot .
#   (Don't put credentials in PIP_*_URL build args. They show up in the builder
#   stage's history.) scripts/check-docker-build.sh runs this build with buildah,
#   without a Docker engine.
#
# Base: Debian's own python3 (3.11 in bookworm) on debian:bookworm-slim, for the
# build and the runtime stages. That gives the venv the same interpreter in the builder and at run time,
# and security updates come through apt.

############################ build stages: the virtualenv #####################
FROM debian:bookworm-slim AS build-base

ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-venv \
 && rm -rf /var/lib/apt/lists/*

# The dependency list ([project].dependencies, no dev extras) as a requirements file.
# It gets its own stage so that edits to the tool settings in pyproject.toml (ruff,
# mypy, pytest) don't throw away the pip install layer below.
FROM build-base AS requirements
WORKDIR /build
COPY pyproject.toml ./
RUN python3 -c 'import tomllib; print("\n".join(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))' \
        > requirements.txt

FROM build-base AS builder
ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
RUN python3 -m venv "$VIRTUAL_ENV"

# Dependencies come before the source: this layer stays cached until the dependency
# list changes, even when bot/ or dialogs/ change. The project itself is not
# pip-installed. The code runs from /app (python -m bot), with dialogs/ next to
# bot/, where bot/paths.py looks when the package holds no copy of its own (a
# wheel does: bot/dialogs/). Once the install is done, pip and setuptools come out
# of the venv: the bot doesn't need them at run time (about 25 MB).
COPY --from=requirements /build/requirements.txt /build/requirements.txt
ARG PIP_INDEX_URL=
ARG PIP_EXTRA_INDEX_URL=
ARG PIP_TRUSTED_HOST=
RUN --mount=type=secret,id=pip_cert \
    set -eu; \
    if [ -s /run/secrets/pip_cert ]; then export PIP_CERT=/run/secrets/pip_cert; fi; \
    [ -n "${PIP_INDEX_URL:-}" ] || unset PIP_INDEX_URL; \
    [ -n "${PIP_EXTRA_INDEX_URL:-}" ] || unset PIP_EXTRA_INDEX_URL; \
    [ -n "${PIP_TRUSTED_HOST:-}" ] || unset PIP_TRUSTED_HOST; \
    pip install --prefer-binary -r /build/requirements.txt; \
    pip check; \
    pip uninstall --yes --quiet pip setuptools

############################ runtime ###########################################
FROM debian:bookworm-slim AS runtime

ARG DEBIAN_FRONTEND=noninteractive
# python3 must match the builder's (the venv links to /usr/bin/python3).
# ca-certificates: system trust store (e.g. TLS to PostgreSQL). tzdata: zoneinfo.
# fonts-dejavu-core: DejaVu Sans for the case export's PDF (names in any script).
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 ca-certificates tzdata fonts-dejavu-core \
 && rm -rf /var/lib/apt/lists/*

ARG APP_UID=10001
ARG APP_GID=10001
RUN groupadd --gid "$APP_GID" herstelbot \
 && useradd --uid "$APP_UID" --gid herstelbot --home-dir /data --no-create-home --no-log-init \
        --shell /usr/sbin/nologin herstelbot \
 && install -d -o herstelbot -g herstelbot -m 0750 /data

COPY --from=builder /opt/venv /opt/venv

# The code and the flows are owned by root and read-only to the bot user.
WORKDIR /app
COPY dialogs/ ./dialogs/
COPY bot/ ./bot/

ENV VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/app \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/herstelbot.db \
    HERSTELBOT_DATA_DIR=/data

LABEL org.opencontainers.image.title="herstelbot" \
      org.opencontainers.image.description="Telegram assistant for coordinators of restorative group conferences"

VOLUME ["/data"]
# Only in webhook mode (WEBHOOK_URL set): the bot's web server, behind your TLS proxy.
EXPOSE 8080
USER ${APP_UID}:${APP_GID}
# No HEALTHCHECK: by default the bot long-polls Telegram and serves no port to probe.
CMD ["python", "-m", "bot"]
