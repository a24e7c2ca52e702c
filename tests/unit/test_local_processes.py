"""Local mode's process bookkeeping: pid files are trusted only for the program they were written for."""


def test_a_stale_pid_file_naming_another_program_is_never_signalled(tmp_path):
    import subprocess
    import sys

    from canary.backends.local import LocalBackend, pid_alive

    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pid_file = tmp_path / "ocr-v1.pid"
        pid_file.write_text(str(bystander.pid))  # the service died; its pid now belongs to someone else
        assert pid_alive(pid_file) == bystander.pid and pid_alive(pid_file, "gunicorn") is None
        LocalBackend(tmp_path).stop_version("v1")
        assert bystander.poll() is None  # untouched
    finally:
        bystander.kill()
        bystander.wait()
    assert pid_alive(pid_file) is None  # gone (reaped): not alive
