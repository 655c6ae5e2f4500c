"""Files (complaint photos, receipts) behind one storage interface; local disk by default."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from flask import current_app

from app.core.ids import new_id

IMAGE_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/webp": (b"RIFF",),
}


def sniff_image_type(data: bytes) -> str | None:
    """The image type the bytes really are (by signature, not by what the client claims)."""
    for content_type, signatures in IMAGE_SIGNATURES.items():
        if any(data.startswith(sig) for sig in signatures):
            if content_type == "image/webp" and data[8:12] != b"WEBP":
                continue
            return content_type
    return None


class Storage(Protocol):
    """Stores blobs under opaque keys."""

    def save(self, prefix: str, data: bytes, content_type: str) -> str:
        """Store the bytes; return the key."""
        ...

    def load(self, key: str) -> bytes:
        """The bytes stored under ``key``."""
        ...


class LocalDiskStorage:
    """Files under ``UPLOAD_DIR`` (default ``instance/uploads``)."""

    def __init__(self, root: Path):
        self.root = root

    def save(self, prefix: str, data: bytes, content_type: str) -> str:
        """Write the file under a fresh random name."""
        extension = content_type.rsplit("/", 1)[-1]
        key = f"{prefix}/{new_id().hex}.{extension}"
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        return key

    def load(self, key: str) -> bytes:
        """Read the file back."""
        return self._path(key).read_bytes()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if self.root.resolve() not in path.parents:
            raise ValueError("storage key escapes the storage root")
        return path


def storage() -> Storage:
    """The configured storage."""
    root = current_app.config.get("UPLOAD_DIR") or str(Path(current_app.instance_path) / "uploads")
    return LocalDiskStorage(Path(root))
