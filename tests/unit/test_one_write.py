"""A service answer leaves the worker in one write: headers and body together (gunicorn, pinned, sends them
in two, and a worker killed between the two left the gateway a 200 without its body)."""
from gunicorn.config import Config
from gunicorn.http import wsgi
from gunicorn.http.message import Request
from gunicorn.http.unreader import IterUnreader

from ocr.gunicorn_response import OneWriteResponse


class RecordingSocket:
    def __init__(self):
        self.writes = []

    def sendall(self, data):
        self.writes.append(bytes(data))


def answer(response_class, method="POST", body=b'{"success": true}'):
    config = Config()
    request = Request(config, IterUnreader([f"{method} /ocr HTTP/1.1\r\nHost: x\r\n\r\n".encode()]), ("127.0.0.1", 1))
    sock = RecordingSocket()
    response = response_class(request, sock, config)
    response.start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    response.write(body)
    response.close()
    return sock.writes


def test_headers_and_body_go_out_in_one_write():
    assert len(answer(wsgi.Response)) == 2  # the gap a killed worker fell into
    [write] = answer(OneWriteResponse)
    head, body = write.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK") and b"Content-Length: 17" in head and body == b'{"success": true}'


def test_an_answer_without_a_body_still_sends_its_headers():
    [write] = answer(OneWriteResponse, method="HEAD")
    assert write.startswith(b"HTTP/1.1 200 OK") and write.endswith(b"\r\n\r\n")
