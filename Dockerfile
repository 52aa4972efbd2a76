# syntax=docker/dockerfile:1
# Front-end packages (Bootstrap, htmx, Chart.js) come from npm, never a CDN.
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund --loglevel=error

FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=digitsight.settings.production \
    DIGITSIGHT_VAR_DIR=/app/var
# espeak-ng: offline speech when gTTS cannot reach Google. libglib2.0-0: OpenCV.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng libglib2.0-0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY --from=assets /assets/node_modules ./node_modules
COPY . .
# var/ holds static files and media; created here so named volumes inherit the owner.
RUN useradd --create-home --uid 1000 app \
    && mkdir -p var/media var/static \
    && chown -R app:app var
USER app
EXPOSE 8000
CMD ["gunicorn", "digitsight.wsgi:application", "--bind", "0.0.0.0:8000", "--workers", "2", "--timeout", "60"]
