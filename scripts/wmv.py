#!/usr/bin/env python3
"""Open wordmill's shared embedding file (.wmv) with NumPy only.

    from wmv import open_wmv
    matrix, index = open_wmv("vectors.wmv")   # np.memmap (rows, dim), dict word -> row
    matrix[index["king"]]

    python3 scripts/wmv.py vectors.wmv            # header summary
    python3 scripts/wmv.py vectors.wmv king       # 10 nearest words by cosine
    python3 scripts/wmv.py vectors.wmv --vector king

The file layout is in formats/README.md. The protobuf header (WmvHeader in
formats/wordmill.proto) is decoded here by hand -- varints, fixed64 and length-delimited
fields are all it uses -- so that the protobuf package is not needed. Every structural field is
checked against the file size before the matrix is mapped (bad magic or version, a header
claiming more rows than the file holds, truncation, misaligned sections); errors are WmvError
naming the file and the field. The section checksums are XXH3-64, which the standard library
cannot compute: `wordmill export --input FILE.wmv` (WmvReader::VerifyChecksums) verifies them.
"""
import argparse
import os
import struct
import sys

import numpy as np

MAGIC = b"\x89WMV\r\n\x1a\n"
FORMAT_VERSION = 1
PREAMBLE_BYTES = 24
ALIGNMENT = 64
MAX_DIM = 100000
MAX_ROWS = 0xFFFFFFFE
MAX_HEADER_BYTES = 16 << 20
DTYPES = {0: np.dtype("<f4"), 1: np.dtype("<f2")}  # WmvDtype: WMV_FLOAT32, WMV_FLOAT16

# WmvHeader field numbers -> names (formats/wordmill.proto).
HEADER_FIELDS = {
    1: "rows", 2: "dim", 3: "dtype", 4: "normalized", 5: "spec_type", 6: "spec_text",
    7: "source", 8: "matrix_offset", 9: "matrix_bytes", 10: "word_offsets_offset",
    11: "words_offset", 12: "words_bytes", 13: "index_offset", 14: "index_slots",
    15: "matrix_xxh3", 16: "vocab_xxh3", 17: "index_xxh3", 18: "file_size",
}


class WmvError(ValueError):
    """A .wmv file that is not what its header says."""


def _varint(buf, pos, path):
    value = shift = 0
    while True:
        if pos >= len(buf) or shift > 63:
            raise WmvError(f"{path}: header: malformed varint at header byte {pos}")
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, pos


def decode_header(buf, path="<header>"):
    """Decodes the WmvHeader protobuf bytes into a dict (unknown fields are skipped)."""
    header = {"rows": 0, "dim": 0, "dtype": 0, "normalized": False}
    pos = 0
    while pos < len(buf):
        key, pos = _varint(buf, pos, path)
        field, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = _varint(buf, pos, path)
        elif wire == 1 or wire == 5:
            n = 8 if wire == 1 else 4
            if pos + n > len(buf):
                raise WmvError(f"{path}: header: field {field} runs past the header")
            value = int.from_bytes(buf[pos:pos + n], "little")
            pos += n
        elif wire == 2:
            n, pos = _varint(buf, pos, path)
            if pos + n > len(buf):
                raise WmvError(f"{path}: header: field {field} runs past the header")
            value = bytes(buf[pos:pos + n])
            pos += n
        else:
            raise WmvError(f"{path}: header: unsupported wire type {wire} for field {field}")
        name = HEADER_FIELDS.get(field)
        if name in ("spec_type", "spec_text", "source"):
            value = value.decode("utf-8", "replace")
        elif name == "normalized":
            value = bool(value)
        if name:
            header[name] = value
    return header


def read_header(path):
    """Reads and validates the preamble and header of a .wmv file; returns the header dict."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        preamble = f.read(PREAMBLE_BYTES)
        if len(preamble) < PREAMBLE_BYTES:
            raise WmvError(f"{path}: {size} bytes, shorter than the {PREAMBLE_BYTES}-byte .wmv "
                           "preamble (truncated or not a .wmv file)")
        if preamble[:8] != MAGIC:
            raise WmvError(f"{path}: bad magic at byte 0 (not a .wmv file)")
        version, header_size = struct.unpack_from("<II", preamble, 8)
        if version != FORMAT_VERSION:
            raise WmvError(f"{path}: format_version {version} at byte 8; this reader knows "
                           f"version {FORMAT_VERSION}")
        if header_size > MAX_HEADER_BYTES or header_size > size - PREAMBLE_BYTES:
            raise WmvError(f"{path}: header_size {header_size} at byte 12 exceeds the file "
                           f"({size} bytes)")
        h = decode_header(f.read(header_size), path)
    if h.get("file_size") != size:
        raise WmvError(f"{path}: file is {size} bytes but header field file_size is "
                       f"{h.get('file_size')} (truncated or extended)")
    rows, dim = h["rows"], h["dim"]
    if rows > MAX_ROWS:
        raise WmvError(f"{path}: header field rows = {rows} exceeds the .wmv limit {MAX_ROWS}")
    if not 1 <= dim <= MAX_DIM:
        raise WmvError(f"{path}: header field dim = {dim} is outside 1..{MAX_DIM}")
    if h["dtype"] not in DTYPES:
        raise WmvError(f"{path}: header field dtype = {h['dtype']} unknown")
    matrix_bytes = rows * dim * DTYPES[h["dtype"]].itemsize
    if h.get("matrix_bytes") != matrix_bytes:
        raise WmvError(f"{path}: header field matrix_bytes = {h.get('matrix_bytes')} but rows = "
                       f"{rows} x dim = {dim} x {DTYPES[h['dtype']].itemsize} bytes = "
                       f"{matrix_bytes}")
    slots = h.get("index_slots", 0)
    if slots < max(2, 2 * rows) or slots & (slots - 1):
        raise WmvError(f"{path}: header field index_slots = {slots} is not a power of two "
                       ">= 2 * rows")
    end = PREAMBLE_BYTES + header_size
    for name, nbytes in (("matrix", matrix_bytes), ("word_offsets", 8 * (rows + 1)),
                         ("words", h.get("words_bytes", 0)), ("index", 8 * slots)):
        offset = h.get(name + "_offset", 0)
        if offset % ALIGNMENT or offset < end:
            raise WmvError(f"{path}: header field {name}_offset = {offset} is not 64-byte "
                           f"aligned after byte {end}")
        if offset + nbytes > size:
            raise WmvError(f"{path}: section {name} [{offset}, {offset + nbytes}) extends past "
                           f"the end of the file ({size} bytes): header field rows = {rows} "
                           "claims more than the file holds")
        end = offset + nbytes
    if end != size:
        raise WmvError(f"{path}: {size - end} bytes after the index section (byte {end})")
    return h


def open_wmv(path):
    """Returns (matrix, index): a read-only np.memmap of shape (rows, dim) (float32 or float16,
    as stored) and a dict word -> row."""
    h = read_header(path)
    rows, dim = h["rows"], h["dim"]
    matrix = np.memmap(path, dtype=DTYPES[h["dtype"]], mode="r", offset=h["matrix_offset"],
                       shape=(rows, dim))
    offsets = np.fromfile(path, dtype="<u8", count=rows + 1, offset=h["word_offsets_offset"])
    with open(path, "rb") as f:
        f.seek(h["words_offset"])
        words = f.read(h["words_bytes"])
    if offsets[0] != 0 or offsets[-1] != len(words) or np.any(np.diff(offsets) <= 0):
        raise WmvError(f"{path}: word_offsets section does not describe {rows} non-empty words "
                       f"in the {len(words)} word bytes (header field words_bytes)")
    bounds = offsets.tolist()
    index = {}
    for row in range(rows):
        word = words[bounds[row]:bounds[row + 1]].decode("utf-8", "surrogateescape")
        if index.setdefault(word, row) != row:
            raise WmvError(f"{path}: words: '{word}' appears in rows {index[word]} and {row}")
    return matrix, index


def nearest(matrix, index, word, k=10):
    """The k nearest words to `word` by cosine similarity (the word itself excluded)."""
    words = [None] * len(index)
    for w, row in index.items():
        words[row] = w
    query = np.asarray(matrix[index[word]], dtype=np.float32)
    scores = np.empty(len(words), dtype=np.float32)
    chunk = 1 << 16
    for start in range(0, len(words), chunk):
        block = np.asarray(matrix[start:start + chunk], dtype=np.float32)
        norms = np.linalg.norm(block, axis=1) * np.linalg.norm(query)
        dots = block @ query
        scores[start:start + chunk] = np.divide(dots, norms, out=np.zeros_like(dots),
                                                where=norms > 0)
    scores[index[word]] = -np.inf
    top = np.argsort(-scores, kind="stable")[:k]
    return [(words[i], float(scores[i])) for i in top]


def main(argv):
    parser = argparse.ArgumentParser(description="Look words up in a wordmill .wmv file.")
    parser.add_argument("file")
    parser.add_argument("words", nargs="*")
    parser.add_argument("--k", type=int, default=10, help="neighbours per word")
    parser.add_argument("--vector", action="store_true", help="print the vectors instead")
    args = parser.parse_intermixed_args(argv)
    try:
        matrix, index = open_wmv(args.file)
        h = read_header(args.file)
    except (WmvError, OSError) as e:
        print(f"wmv.py: error: {e}", file=sys.stderr)
        return 2
    if not args.words:
        print(f"{args.file}: {h['rows']} rows x {h['dim']} dimensions, "
              f"{DTYPES[h['dtype']].name}, normalized {h['normalized']}, from {h.get('source')}")
        return 0
    status = 0
    for word in args.words:
        if word not in index:
            print(f"{word}: not in the vocabulary", file=sys.stderr)
            status = 1
        elif args.vector:
            print(word, " ".join(repr(float(v)) for v in matrix[index[word]]))
        else:
            print(f"{word}:")
            for other, cosine in nearest(matrix, index, word, args.k):
                print(f"  {other:<24} {cosine:8.4f}")
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
