"""packaging/icu_data.py: the bundle's smaller ICU data library (issue 17, bundle size).

Qt must still find what it reads in the repacked package: the test builds the library from
PySide6's own libicudata with binutils, loads it in a child Python in place of Qt's (via
LD_LIBRARY_PATH) and checks collation, locale case mapping and time zones through Qt.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "packaging"))

import icu_data  # noqa: E402


def _qt_icudata() -> Path | None:
    import PySide6
    found = sorted((Path(PySide6.__file__).parent / "Qt" / "lib").glob("libicudata.so.*"))
    return found[0] if found else None


def test_items_kept_and_dropped():
    keep = icu_data.keep_item
    for name in ("icudt73l/root.res", "icudt73l/en_GB.res", "icudt73l/res_index.res",
                 "icudt73l/pool.res", "icudt73l/supplementalData.res", "icudt73l/cnvalias.icu",
                 "icudt73l/nfkc.nrm", "icudt73l/coll/root.res", "icudt73l/coll/ucadata.icu",
                 "icudt73l/zoneinfo64.res", "icudt73l/brkitr/word.brk", "icudt73l/lang/en.res"):
        assert keep(name), name
    for name in ("icudt73l/de.res", "icudt73l/zh_Hant_TW.res", "icudt73l/coll/sv.res",
                 "icudt73l/lang/fr.res", "icudt73l/ibm-943_P15A-2003.cnv",
                 "icudt73l/brkitr/cjdict.dict", "icudt73l/translit/root.res"):
        assert not keep(name), name


def test_a_package_reads_back_after_repacking():
    header = bytes([32, 0, 0xDA, 0x27]) + bytes(4) + b"\x00\x00\x02\x00CmnD" + bytes(16)
    header = header[:32]
    items = [("icudt73l/b.res", b"B" * 20), ("icudt73l/a.res", b"A" * 3)]

    package = icu_data.write_package(header, items)
    back_header, back = icu_data.read_package(package)

    assert back_header == header
    assert [name for name, _ in back] == ["icudt73l/a.res", "icudt73l/b.res"]  # sorted
    assert back[0][1].startswith(b"AAA") and back[1][1].startswith(b"B" * 20)
    table = len(header)
    offsets = [int.from_bytes(package[table + 8 + 8 * i:table + 12 + 8 * i], "little")
               for i in range(2)]
    assert all((table + offset) % 16 == 0 for offset in offsets)  # items 16-byte aligned


@pytest.mark.skipif(not (_qt_icudata() and all(shutil.which(t) for t in ("as", "ld", "nm"))),
                    reason="needs PySide6's ICU and binutils")
def test_qt_works_with_the_trimmed_library(tmp_path: Path):
    source = _qt_icudata()
    assert source is not None
    made = icu_data.trimmed_library(source, tmp_path)
    assert made.stat().st_size < source.stat().st_size / 4
    probe = (
        "from PySide6.QtCore import QCollator, QLocale, QTimeZone, QDateTime\n"
        "maps = open('/proc/self/maps').read()\n"
        f"assert {str(made)!r} in maps, 'not loaded'\n"
        "c = QCollator(QLocale('en_GB'))\n"
        "print(sorted(['b', 'A', 'a', 'Zoo', '10', '9'], key=c.sortKey))\n"
        "print(QLocale('tr_TR').toUpper('istanbul'))\n"
        "z = QTimeZone(b'Europe/London')\n"
        "print(z.isValid(), z.offsetFromUtc(QDateTime.currentDateTime()) in (0, 3600))\n")
    env = {**os.environ, "LD_LIBRARY_PATH": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}

    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            env=env, timeout=60)

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["['10', '9', 'a', 'A', 'b', 'Zoo']", "İSTANBUL",
                                          "True True"]
