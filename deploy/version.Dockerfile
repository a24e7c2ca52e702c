# One version: the shared runtime plus the model folder. Build context = services/ocr-<version>.
ARG RUNTIME_IMAGE=ocr-runtime:latest
FROM ${RUNTIME_IMAGE}
ARG VERSION
LABEL ocr.version=${VERSION}
# Every model file the manifest names (recognizer, detector, language model) and the manifest itself.
COPY manifest.json *.onnx *.json.gz /app/model/
