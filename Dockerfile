FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    FORUM_DATA_DIR=/data \
    FORUM_SEEDS_DIR=/app/seeds

WORKDIR /app
COPY pyproject.toml README.md ./
COPY forum ./forum
COPY migrations ./migrations
COPY seeds ./seeds
RUN pip install . \
    && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin forum \
    && mkdir -p /data && chown forum /data

USER forum
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s \
  CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4)"
CMD ["forum", "serve", "--host", "0.0.0.0", "--port", "8000"]
