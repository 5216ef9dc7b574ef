"""Scans made from the repository's own report PDFs (samples/, tests/fixtures/), for OCR.

Each page (or only the table pages: a partial scan, its prose kept as text) is rendered at
a scanner's resolution and made as bad as real scans are: grey or black-and-white,
skewed by a degree or two, speckled, blurred, JPEG-compressed, a red seal stamped over a
table; a landscape page comes out of the scanner on portrait paper, lying on its side.
The result is an image-only page in a new PDF, so the scan's truth is the source's truth
(tests/expected/, tests/fixtures/truth/). Seeded: the same arguments make the same scan.

    python scripts/make_scans.py SOURCE.pdf OUT.pdf [--dpi 200] [--mode gray|bw|rgb]
        [--skew 1.5] [--speckle 0.0005] [--blur 0.6] [--quality 60] [--seal]
        [--tables-only] [--seed 0]
"""

from __future__ import annotations

import argparse
import io
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
from PIL import Image, ImageDraw, ImageFilter

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from etl import template as tpl  # noqa: E402


@dataclass(frozen=True)
class Scan:
    """How a scan is made (see the module's docstring)."""

    dpi: int = 200
    mode: str = "gray"  # gray | bw | rgb
    skew: float = 0.0  # degrees, counter-clockwise
    speckle: float = 0.0  # share of pixels turned black
    blur: float = 0.0  # Gaussian radius, pixels
    quality: int = 60  # JPEG
    seal: bool = False  # a red seal over the first table page's table
    tables_only: bool = False  # partial scan: prose pages stay text
    seed: int = 0


def _table_pages(doc: pdfium.PdfDocument) -> list[int]:
    marks = tpl.table_markers()
    out = []
    for i in range(len(doc)):
        textpage = doc[i].get_textpage()
        if any(m in tpl.squash(textpage.get_text_range()) for m in marks):
            out.append(i)
        textpage.close()
    return out


def _seal(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A red seal (ring, star, arc of marks) multiplied onto the page, as ink is: black
    print under it stays black."""
    w, h = img.size
    r = int(min(w, h) * 0.12)
    cx = int(w * rng.uniform(0.55, 0.7))
    cy = int(h * rng.uniform(0.3, 0.45))
    layer = Image.new("RGB", img.size, "white")
    d = ImageDraw.Draw(layer)
    red = (215, 40, 45)
    d.ellipse((cx - r, cy - r, cx + r, cy + r), outline=red, width=max(r // 14, 3))
    star = [(cx + r * 0.35 * np.cos(np.pi / 2 + k * 4 * np.pi / 5),
             cy - r * 0.35 * np.sin(np.pi / 2 + k * 4 * np.pi / 5)) for k in range(5)]
    d.polygon(star, fill=red)
    for k in range(14):  # the agency's name round the rim, as blocks
        a = np.pi * (0.15 + 0.7 * k / 13)
        x, y = cx - r * 0.72 * np.cos(a), cy - r * 0.72 * np.sin(a)
        d.rectangle((x - r * 0.07, y - r * 0.07, x + r * 0.07, y + r * 0.07), fill=red)
    base = np.asarray(img.convert("RGB"), dtype=np.uint16)
    ink = np.asarray(layer, dtype=np.uint16)
    return Image.fromarray((base * ink // 255).astype(np.uint8))


def scan_page(page: pdfium.PdfPage, scan: Scan, rng: np.random.Generator, seal: bool
              ) -> Image.Image:
    """One page as the scanner gives it."""
    img = page.render(scale=scan.dpi / 72).to_pil().convert("RGB")
    if img.width > img.height:  # landscape paper goes through the scanner upright
        img = img.transpose(Image.Transpose.ROTATE_90)
    if seal:
        img = _seal(img, rng)
    if scan.skew:
        img = img.rotate(scan.skew, resample=Image.Resampling.BICUBIC, fillcolor="white")
    if scan.blur:
        img = img.filter(ImageFilter.GaussianBlur(scan.blur))
    if scan.speckle:
        arr = np.asarray(img).copy()
        n = int(arr.shape[0] * arr.shape[1] * scan.speckle)
        ys, xs = rng.integers(0, arr.shape[0], n), rng.integers(0, arr.shape[1], n)
        arr[ys, xs] = 0
        img = Image.fromarray(arr)
    if scan.mode == "gray":
        img = img.convert("L")
    elif scan.mode == "bw":
        img = img.convert("L").point(lambda v: 255 if v > 150 else 0)
    return img


def make_scan(source: Path, out: Path, scan: Scan = Scan()) -> Path:
    """Write the scan of ``source`` to ``out``."""
    rng = np.random.default_rng(scan.seed)
    src = pdfium.PdfDocument(str(source))
    tables = _table_pages(src)
    wanted = tables if scan.tables_only else range(len(src))
    dst = pdfium.PdfDocument.new()
    for i in range(len(src)):
        if i not in wanted:
            dst.import_pages(src, [i])
            continue
        img = scan_page(src[i], scan, rng, scan.seal and tables and i == tables[0])
        buf = io.BytesIO()
        img.save(buf, format="JPEG", quality=scan.quality)
        buf.seek(0)
        w, h = img.width * 72 / scan.dpi, img.height * 72 / scan.dpi
        page = dst.new_page(w, h)
        image = pdfium.PdfImage.new(dst)
        image.load_jpeg(buf, inline=False)
        image.set_matrix(pdfium.PdfMatrix().scale(w, h))
        page.insert_obj(image)
        page.gen_content()
    out.parent.mkdir(parents=True, exist_ok=True)
    dst.save(str(out))
    dst.close()
    src.close()
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("source", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--dpi", type=int, default=200)
    p.add_argument("--mode", choices=["gray", "bw", "rgb"], default="gray")
    p.add_argument("--skew", type=float, default=0.0)
    p.add_argument("--speckle", type=float, default=0.0)
    p.add_argument("--blur", type=float, default=0.0)
    p.add_argument("--quality", type=int, default=60)
    p.add_argument("--seal", action="store_true")
    p.add_argument("--tables-only", action="store_true")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(argv)
    make_scan(a.source, a.out, Scan(a.dpi, a.mode, a.skew, a.speckle, a.blur, a.quality,
                                    a.seal, a.tables_only, a.seed))
    print(a.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
