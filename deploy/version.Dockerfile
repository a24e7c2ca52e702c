# One version: the shared runtime plus the model folder. Build context = services/ocr-<version>.
ARG RUNTIME_IMAGE=ocr-runtime:latest
FROM ${RUNTIME_IMAGE}
ARG VERSION
LABEL ocr.version=${VERSION}
COPY manifest.json model.onnx /app/model/
