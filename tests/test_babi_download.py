"""Downloading the bAbI archive: served from a local file:// URL or path, checksum enforced."""

import hashlib
import io
import tarfile

import pytest

from taskdyn.tasks.babi_download import ChecksumError, download_babi, extract_subsets

FILES = {
    "tasks_1-20_v1-2/en/qa1_single-supporting-fact_train.txt": "1 Mary went to the office.\n",
    "tasks_1-20_v1-2/en/qa1_single-supporting-fact_test.txt": "1 John went to the garden.\n",
    "tasks_1-20_v1-2/en-10k/qa1_single-supporting-fact_train.txt": "1 Sandra moved.\n",
    "tasks_1-20_v1-2/en-10k/qa1_single-supporting-fact_test.txt": "1 Daniel moved.\n",
    "tasks_1-20_v1-2/hn/qa1_train.txt": "not wanted\n",
}


@pytest.fixture
def archive(tmp_path):
    path = tmp_path / "served" / "tasks_1-20_v1-2.tar.gz"
    path.parent.mkdir()
    with tarfile.open(path, "w:gz") as tar:
        for name, text in FILES.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return path, hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("as_url", [True, False])
def test_download_checks_the_checksum_and_extracts_en_and_en_10k(tmp_path, archive, as_url):
    path, sha = archive
    source = path.as_uri() if as_url else str(path)
    out = download_babi(source, tmp_path / "data" / "babi.tar.gz", sha)
    assert sorted(out) == ["en", "en-10k"]
    for name, text in FILES.items():
        subset, file = name.split("/")[1:]
        target = tmp_path / "data" / subset / file
        assert target.read_text() == text if subset in out else not target.exists()
    assert (tmp_path / "data" / "babi.tar.gz").read_bytes() == path.read_bytes()


def test_a_wrong_checksum_fails_and_leaves_nothing(tmp_path, archive):
    path, _ = archive
    with pytest.raises(ChecksumError, match="does not match"):
        download_babi(path.as_uri(), tmp_path / "data" / "babi.tar.gz", "0" * 64)
    assert not list((tmp_path / "data").iterdir())


def test_an_archive_without_a_requested_subset_is_rejected(tmp_path, archive):
    path, _ = archive
    with pytest.raises(ValueError, match="shuffled"):
        extract_subsets(path, tmp_path / "x", ("en", "shuffled"))
