"""A smaller ICU data library for the bundle: Qt's 31 MB libicudata without what Qt never reads.

PySide6's QtCore links ICU, whose data library (``libicudata.so.NN``, one symbol
``icudtNN_dat`` holding an ICU "common data" package) is the largest file of the bundle.
Qt uses ICU for collation (QCollator, the file dialog's sorting), locale-aware case mapping
and codecs beyond UTF-8/16/32 and Latin-1; it formats dates and numbers from its own CLDR
tables, so the display names of languages, regions, currencies, units and time zones for
~800 locales, the table-based legacy codecs (.cnv; ICU's UTF and Latin-1 converters are
algorithmic), transliterators and the Thai/CJK/Khmer/Lao/Burmese word dictionaries are never
read. This keeps ICU's own data (normalisation, properties, aliases, supplemental data),
the root and English locales in every tree, and the root collation (so collating in any
locale still works, in the root order), and repacks them as the same symbol in a library
of the same soname, assembled with binutils (``as``, ``ld``), which the build already needs.

The package format is ICU's "CmnD" common data (icu4c source/common/ucmndata.h): a data
header, then ``count`` and ``count`` (name offset, data offset) pairs relative to the table,
the names (sorted: ICU looks them up by binary search), then the items, 16-byte aligned.
``packaging/build_linux.sh`` runs the bundle's self-test afterwards; ``python
packaging/icu_data.py LIB OUTDIR`` does the trimming alone and prints the sizes.
"""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import sys
import tempfile
from pathlib import Path

# Trees of display names or rules per locale: only root/English (and indexes) are kept.
# Trees dropped whole: transliteration (Qt never uses it).
DROPPED_TREES = ("translit/",)
_LOCALE = re.compile(r"^[a-z]{2,3}(_[A-Za-z0-9]+)*\.res$")
_KEPT_LOCALES = re.compile(r"^(root|en|en_US|en_GB|en_001|en_150|res_index|pool)\.res$")


def keep_item(name: str) -> bool:
    """Whether an item ("icudt73l/coll/de.res") of the package is kept."""
    path = name.split("/", 1)[1] if "/" in name else name
    if path.endswith(".cnv") or path.endswith(".dict") or path.startswith(DROPPED_TREES):
        return False
    leaf = path.rsplit("/", 1)[-1]
    if _LOCALE.match(leaf) and not _KEPT_LOCALES.match(leaf):
        return False
    return True


def read_package(blob: bytes) -> tuple[bytes, list[tuple[str, bytes]]]:
    """(header, [(name, item bytes)]) of a CmnD package."""
    header_size, magic1, magic2 = struct.unpack_from("<HBB", blob, 0)
    if (magic1, magic2) != (0xDA, 0x27) or blob[12:16] != b"CmnD" or blob[8] != 0:
        raise ValueError("not a little-endian ICU common data package")
    table = header_size
    (count,) = struct.unpack_from("<I", blob, table)
    entries = [struct.unpack_from("<II", blob, table + 4 + 8 * i) for i in range(count)]
    items = []
    for i, (name_at, data_at) in enumerate(entries):
        end = blob.index(b"\0", table + name_at)
        name = blob[table + name_at:end].decode("ascii")
        stop = entries[i + 1][1] if i + 1 < count else len(blob) - table
        items.append((name, blob[table + data_at:table + stop]))
    return blob[:header_size], items


def write_package(header: bytes, items: list[tuple[str, bytes]]) -> bytes:
    items = sorted(items, key=lambda item: item[0].encode("ascii"))
    names = b"".join(name.encode("ascii") + b"\0" for name, _ in items)
    table_size = 4 + 8 * len(items)
    data_at = table_size + len(names)
    data_at += -(len(header) + data_at) % 16  # items 16-byte aligned in the package
    table, chunks, name_at, offset = [struct.pack("<I", len(items))], [], table_size, data_at
    for name, data in items:
        table.append(struct.pack("<II", name_at, offset))
        name_at += len(name) + 1
        padded = data + b"\0" * (-len(data) % 16)
        chunks.append(padded)
        offset += len(padded)
    gap = b"\0" * (data_at - table_size - len(names))
    return header + b"".join(table) + names + gap + b"".join(chunks)


def _symbol(lib: Path) -> tuple[str, int, int]:
    """(name, file offset, size) of the icudtNN_dat symbol."""
    out = subprocess.run(["nm", "-D", "-S", "--defined-only", str(lib)], check=True,
                         capture_output=True, text=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and re.fullmatch(r"icudt\d+_dat", parts[3]):
            return parts[3], int(parts[0], 16), int(parts[1], 16)
    raise ValueError(f"no icudtNN_dat symbol in {lib}")


def _file_offset(lib: Path, address: int) -> int:
    """The file offset of a virtual address, from the ELF program headers (PT_LOAD)."""
    with open(lib, "rb") as f:
        elf = f.read(64)
        if elf[:4] != b"\x7fELF" or elf[4] != 2 or elf[5] != 1:
            raise ValueError("not a 64-bit little-endian ELF file")
        phoff, = struct.unpack_from("<Q", elf, 32)
        phentsize, phnum = struct.unpack_from("<HH", elf, 54)
        f.seek(phoff)
        table = f.read(phentsize * phnum)
    for i in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", table,
                                                                        i * phentsize)
        if p_type == 1 and p_vaddr <= address < p_vaddr + p_filesz:
            return address - p_vaddr + p_offset
    raise ValueError(f"address {address:#x} is in no loaded segment")


def trimmed_library(lib: Path, out_dir: Path) -> Path:
    """Write ``out_dir/<soname>``: ``lib`` with only the kept items. Raises on any doubt."""
    symbol, address, size = _symbol(lib)
    start = _file_offset(lib, address)
    blob = lib.read_bytes()[start:start + size]
    header, items = read_package(blob)
    kept = [(name, data) for name, data in items if keep_item(name)]
    package = write_package(header, kept)
    back = read_package(package)[1]
    if [n for n, _ in back] != sorted(n for n, _ in kept) or any(
            not data.startswith(dict(kept)[name][:64]) for name, data in back):
        raise ValueError("the repacked ICU data does not read back")
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / lib.name
    with tempfile.TemporaryDirectory() as tmp:
        dat = Path(tmp) / "icudata.dat"
        dat.write_bytes(package)
        asm = Path(tmp) / "icudata.s"
        asm.write_text(
            '\t.section .rodata\n\t.globl {0}\n\t.type {0}, @object\n\t.balign 16\n'
            '{0}:\n\t.incbin "{1}"\n\t.size {0}, . - {0}\n'
            '\t.section .note.GNU-stack,"",@progbits\n'.format(symbol, dat))
        obj = Path(tmp) / "icudata.o"
        subprocess.run(["as", "-o", str(obj), str(asm)], check=True)
        subprocess.run(["ld", "-shared", "-soname", lib.name, "-o", str(target), str(obj)],
                       check=True)
    return target


def trim_or_keep(lib: Path, out_dir: Path) -> Path:
    """The trimmed library, or ``lib`` itself (with a warning) when it cannot be made."""
    if not (shutil.which("as") and shutil.which("ld") and shutil.which("nm")):
        print("icu_data: binutils (as, ld, nm) missing: keeping the full ICU data",
              file=sys.stderr)
        return lib
    try:
        return trimmed_library(lib, out_dir)
    except (OSError, ValueError, subprocess.CalledProcessError) as error:
        print(f"icu_data: keeping the full ICU data ({error})", file=sys.stderr)
        return lib


if __name__ == "__main__":
    source, target_dir = Path(sys.argv[1]), Path(sys.argv[2])
    made = trimmed_library(source, target_dir)
    print(f"{source} {source.stat().st_size / 1e6:.1f} MB -> {made} "
          f"{made.stat().st_size / 1e6:.1f} MB")
