# The runtime every version container shares: Python, the pinned requirements (ONNX Runtime, no torch)
# and the `ocr` package. A version image adds only its model folder (deploy/version.Dockerfile).
# Offline build: wheels come from deploy/wheelhouse (make wheelhouse), BASE_IMAGE may be the local
# Debian image from deploy/build-base-image.sh; on a machine with a registry the defaults just work.
ARG BASE_IMAGE=python:3.11-slim-bookworm

FROM ${BASE_IMAGE} AS build
# Debian's python3 needs python3-venv (present in the local base image); the official image has venv.
RUN python3 -m venv /opt/venv 2>/dev/null || { apt-get update && apt-get install -y --no-install-recommends \
      python3-venv && python3 -m venv /opt/venv; }
COPY deploy/wheelhouse /wheelhouse
COPY shared/preprocess/requirements.txt /requirements.txt
RUN /opt/venv/bin/pip install --no-cache-dir --no-index --find-links /wheelhouse -r /requirements.txt
COPY shared/preprocess/ocr /app/ocr
RUN /opt/venv/bin/python -m compileall -q /app/ocr

FROM ${BASE_IMAGE}
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin ocr
COPY --from=build /opt/venv /opt/venv
COPY --from=build /app /app
ENV PATH=/opt/venv/bin:$PATH PYTHONPATH=/app PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 \
    OCR_VERSION_DIR=/app/model GUNICORN_BIND=0.0.0.0:8000
USER ocr
EXPOSE 8000
HEALTHCHECK --interval=5s --timeout=3s --start-period=60s --retries=3 \
  CMD ["python3", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/readyz', timeout=2)"]
CMD ["gunicorn", "-c", "/app/ocr/service/gunicorn_conf.py", "ocr.service.wsgi:app"]
