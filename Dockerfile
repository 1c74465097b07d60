# reel app (CPU): Gradio UI + API + an embedded queue worker on port 7860.
#   docker build -t reel .
#   docker run -p 7860:7860 -v reel-data:/data reel
# Jobs, their files and the queue live in the /data volume (REEL_DATA_DIR). With
# RUNPOD_API_KEY and RUNPOD_ENDPOINT_ID set, jobs render on the RunPod GPU endpoint.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    REEL_DATA_DIR=/data \
    GRADIO_SERVER_NAME=0.0.0.0 \
    GRADIO_SERVER_PORT=7860

# packages.txt: the apt packages reel uses (fonts for many scripts, espeak-ng, ffmpeg tools).
COPY packages.txt /tmp/packages.txt
RUN apt-get update \
 && xargs -a /tmp/packages.txt apt-get install -y --no-install-recommends \
 && rm -rf /var/lib/apt/lists/* /tmp/packages.txt

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .

RUN useradd --create-home --uid 1000 reel && mkdir -p /data && chown reel:reel /data
USER reel
VOLUME /data
EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s \
    CMD python -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:7860/', timeout=4)"
CMD ["python", "app.py"]
