# The one image of every yibao service (docker-compose.yml): the repository with its two
# virtualenvs, installed by `make setup` from the same pinned constraints as a developer's
# machine, and Debian's Chromium with a Chinese font for the bulletin's PDF.
FROM python:3.11-slim-bookworm
RUN apt-get update \
 && apt-get install -y --no-install-recommends make chromium fonts-wqy-zenhei \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY . .
RUN make setup PYTHON=python3.11 && rm -rf /root/.cache/pip
ENV PATH=/app/.venv/bin:$PATH \
    YIBAO_HOME=/var/lib/yibao \
    YIBAO_BIND_HOST=0.0.0.0
VOLUME /var/lib/yibao
