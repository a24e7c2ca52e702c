"""gunicorn's HTTP/1 response, sending the header block together with the first body write.

gunicorn sends the headers and the body in two sendall calls. A worker killed between them (the OOM killer,
a SIGKILL) left the gateway a 200 with a Content-Length and no body, which it passed on: a truncated 200.
Our answers are one JSON body, so with the headers held back until that body goes out, a killed worker
leaves either nothing (the gateway fails the request over) or the whole answer. Installed by
gunicorn_conf.py; gunicorn is pinned, and tests/unit/test_one_write.py checks this against it.
"""
from __future__ import annotations

from gunicorn import util
from gunicorn.http import wsgi


class OneWriteResponse(wsgi.Response):
    _pending = b""

    def can_sendfile(self):
        return False  # sendfile writes around _emit_body; files served here (the web page) are small

    def send_headers(self):
        """Build the header block as gunicorn does, but hold it until the body (or the close) goes out."""
        if self.headers_sent:
            return
        lines = self.default_headers() + ["%s: %s\r\n" % (name, value) for name, value in self.headers]
        self._pending = util.to_bytestring("%s\r\n" % "".join(lines), "latin-1")
        self.headers_sent = True

    def _flush_headers(self) -> bytes:
        pending, self._pending = self._pending, b""
        return pending

    def _emit_body(self, data):
        if self.chunked:  # chunk framing must not wrap the header block
            util.write(self.sock, self._flush_headers())
            util.write(self.sock, data, self.chunked)
        else:
            util.write(self.sock, self._flush_headers() + data)

    def close(self):
        if not self.headers_sent:
            self.send_headers()
        if self._pending:  # no body was written (HEAD, 204, an empty body)
            util.write(self.sock, self._flush_headers())
        super().close()


def install() -> None:
    wsgi.Response = OneWriteResponse  # wsgi.create looks the class up at each request
