"""Fetch the official bAbI archive, check its sha256 and extract the `en` and `en-10k` sets.

The archive is `tasks_1-20_v1-2.tar.gz` (bAbI v1.2; Weston et al. 2015, CC BY 3.0). Its sha256
and size are those recorded for the same URL in Hugging Face `datasets`
(`datasets/babi_qa/dataset_infos.json`, `download_checksums`). The source may be any URL
`urllib` opens (`http(s)://`, `file://`) or a local path; a checksum mismatch is an error and
leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tarfile
import urllib.request
from pathlib import Path

from taskdyn.io import atomic_path

log = logging.getLogger(__name__)

BABI_URL = "http://www.thespermwhale.com/jaseweston/babi/tasks_1-20_v1-2.tar.gz"
BABI_SHA256 = "0364ebde659f14d11bc21744516c5ec49d3d06cb692733f66680771244998898"
ARCHIVE_ROOT = "tasks_1-20_v1-2"
SUBSETS = ("en", "en-10k")


class ChecksumError(RuntimeError):
    """The downloaded archive is not the expected file."""


def fetch(source: str, dest: str | os.PathLike, sha256: str) -> Path:
    """Copy `source` (URL or path) to `dest`, verifying its sha256; return `dest`."""
    dest = Path(dest)
    opener = (urllib.request.urlopen(source, timeout=60) if "://" in source
              else open(source, "rb"))
    digest = hashlib.sha256()
    with atomic_path(dest) as tmp:
        with opener as src, open(tmp, "wb") as out:
            while chunk := src.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != sha256.lower():
            raise ChecksumError(f"{source}: sha256 {digest.hexdigest()} does not match the "
                                f"expected {sha256}")
    log.info("fetched %s (%d bytes, sha256 ok)", source, dest.stat().st_size)
    return dest


def extract_subsets(archive: str | os.PathLike, out_dir: str | os.PathLike,
                    subsets: tuple[str, ...] = SUBSETS) -> dict[str, Path]:
    """Extract `tasks_1-20_v1-2/<subset>/*` for each subset into `out_dir/<subset>/`."""
    out_dir = Path(out_dir)
    wanted = {f"{ARCHIVE_ROOT}/{s}/": s for s in subsets}
    found = set()
    with tarfile.open(archive, "r:*") as tar:
        for member in tar.getmembers():
            prefix = next((p for p in wanted if member.name.startswith(p)), None)
            if prefix is None or not member.isfile():
                continue
            name = member.name[len(prefix):]
            if "/" in name or name.startswith("."):
                continue
            target = out_dir / wanted[prefix] / name
            with tar.extractfile(member) as src, atomic_path(target) as tmp:
                with open(tmp, "wb") as dst:
                    shutil.copyfileobj(src, dst)
            found.add(wanted[prefix])
    missing = sorted(set(subsets) - found)
    if missing:
        raise ValueError(f"{archive}: no files under {[f'{ARCHIVE_ROOT}/{m}/' for m in missing]}")
    return {s: out_dir / s for s in subsets}


def download_babi(source: str, archive: str | os.PathLike, sha256: str,
                  subsets: tuple[str, ...] = SUBSETS) -> dict[str, Path]:
    """Fetch and verify the archive to `archive`, then extract `subsets` into its directory."""
    fetch(source, archive, sha256)
    return extract_subsets(archive, Path(archive).parent, subsets)
