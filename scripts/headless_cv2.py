"""Keep one OpenCV in the environment: the headless build.

rapidocr-onnxruntime asks for ``opencv-python`` (the GUI build, which needs the system's
libGL and X libraries), camelot for ``opencv-python-headless``; pip installs both into the
same ``cv2`` package, and whichever comes last wins, so on a server without libGL
``import cv2`` may fail. This removes the GUI build and reinstalls the headless one of the
same version over it (removing one of two packages that share files breaks the other).
``make install`` runs it; it does nothing when only the headless build is installed.

    python scripts/headless_cv2.py
"""

from __future__ import annotations

import subprocess
import sys
from importlib import metadata


def main() -> int:
    try:
        metadata.version("opencv-python")
    except metadata.PackageNotFoundError:
        return 0  # only the headless build: nothing to do
    version = metadata.version("opencv-python-headless")
    pip = [sys.executable, "-m", "pip", "-q"]
    subprocess.run([*pip, "uninstall", "-y", "opencv-python"], check=True)
    subprocess.run([*pip, "install", "--force-reinstall", "--no-deps",
                    f"opencv-python-headless=={version}"], check=True)
    subprocess.run([sys.executable, "-c", "import cv2, rapidocr_onnxruntime"], check=True)
    print(f"cv2: opencv-python-headless {version} only")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
