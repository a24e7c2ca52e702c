"""The API's one error type: a status, a stable code and a sentence for people."""
from __future__ import annotations


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict:
        return {"success": False, "error": self.message, "code": self.code}
