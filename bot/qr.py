"""The invite link as a QR-code PNG, ready to forward or print."""

from __future__ import annotations

import io

import qrcode
from qrcode.image.pure import PyPNGImage


def qr_png(link: str) -> bytes:
    image = qrcode.make(link, image_factory=PyPNGImage, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer)
    return buffer.getvalue()
