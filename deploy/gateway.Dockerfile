# The gateway: nginx + njs (Debian's packages, as on the host) and the routing script. Its config and
# the routing state are rendered by the control tool into a folder mounted at /ocr (read-only).
ARG BASE_IMAGE=debian:bookworm-slim
FROM ${BASE_IMAGE}
RUN [ -f /usr/lib/nginx/modules/ngx_http_js_module.so ] || { apt-get update && apt-get install -y \
      --no-install-recommends nginx-light libnginx-mod-http-js && rm -rf /var/lib/apt/lists/*; }
RUN useradd --system --uid 10002 --no-create-home --shell /usr/sbin/nologin gateway
COPY gateway/routing.js /etc/ocr-gateway/routing.js
USER gateway
EXPOSE 8080
# No curl or python in a slim image: bash's /dev/tcp is enough to ask /healthz.
HEALTHCHECK --interval=5s --timeout=3s --start-period=5s --retries=3 CMD ["bash", "-c", \
  "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q alive <&3"]
CMD ["nginx", "-e", "stderr", "-c", "/ocr/gateway/nginx.conf", "-g", "daemon off;"]
