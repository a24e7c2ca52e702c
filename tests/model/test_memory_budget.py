"""The largest accepted image stays within a bounded memory: a 40 Mpx 16-bit PNG read as a page."""
import subprocess
import sys

from PIL import Image

from tests.helpers import ROOT, encode, version_dir

PROBE = """
import sys
from ocr.page import PageReader
from ocr.preprocess import decode_image

def status_kib(field):
    return int(next(line for line in open("/proc/self/status") if line.startswith(field)).split()[1])

reader = PageReader.from_directory(sys.argv[2])
payload = open(sys.argv[1], "rb").read()
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak (VmHWM) starts again from the memory in use now: the loaded models
before = status_kib("VmRSS:")
reader.read(decode_image(payload))
print((status_kib("VmHWM:") - before) // 1024)
"""


def test_a_40_megapixel_16_bit_image_costs_under_400_mib_over_the_loaded_models(tmp_path):
    image = Image.new("I;16", (6300, 6300), 40000)  # 39.7 Mpx; ~80 KB on the wire
    path = tmp_path / "deep.png"
    path.write_bytes(encode(image, "PNG"))
    completed = subprocess.run([sys.executable, "-c", PROBE, str(path), str(version_dir("v2"))], cwd=ROOT,
                               capture_output=True, text=True, timeout=120, check=True)
    growth_mib = int(completed.stdout.strip())
    assert growth_mib < 400, f"peak memory grew by {growth_mib} MiB"  # 1.1 GB before narrowing in place
