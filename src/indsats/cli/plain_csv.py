"""Reading a *plain* CSV file a block at a time with numpy: the fast path of ``indsats score``.

A file is plain when it holds no quote character, no NUL byte and no carriage return except in a CRLF
line ending. In such a file every line is one record and its fields are the line split at the
delimiter, which is exactly what Python's csv module makes of it (and what csv's writer writes back
unchanged). So the shape of each line (where its fields start and end, whether it is blank, how many
fields it has) can be found for a whole block of lines at once from the positions of the delimiter and
newline bytes, instead of line by line in Python. Any other file is read with the csv module.

Imports no Django.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

BOM = b"\xef\xbb\xbf"
BLOCK_BYTES = 1 << 22  # 4 MiB of lines at a time
_SCAN_BYTES = 1 << 24
# bytes that make a line non-blank for certain: ASCII characters that str.strip keeps
_VISIBLE = np.array([byte < 128 and not chr(byte).isspace() for byte in range(256)], dtype=bool)
_HIGH = np.zeros(256, dtype=bool)  # part of a non-ASCII character, which may or may not be white space
_HIGH[128:] = True


def count_lines_if_plain(path: Path) -> int | None:
    """The number of LF bytes in a plain file (an upper bound of its rows), or None if it is not plain:
    it holds a quote, a NUL byte or a carriage return outside a CRLF line ending."""
    carried = b""  # a CR that ended the last chunk: its LF may start this one
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_SCAN_BYTES):
            if b'"' in chunk or b"\0" in chunk:
                return None
            joined = carried + chunk
            trailing = joined.endswith(b"\r")
            if joined.count(b"\r") - joined.count(b"\r\n") - trailing:
                return None
            lines += chunk.count(b"\n")
            carried = b"\r" if trailing else b""
    return None if carried else lines


def blocks(path: Path) -> Iterator[tuple[bytes, int]]:
    """The file's lines in blocks of whole lines (each ending in LF, CRLF made LF, the BOM dropped),
    with the number of the block's first line; the header line is block 0's line 1."""
    line = 1
    rest = b""
    with path.open("rb") as handle:
        first = True
        while True:
            chunk = handle.read(BLOCK_BYTES)
            if first:
                chunk = chunk.removeprefix(BOM)
                first = False
            if not chunk:
                break
            text = rest + chunk
            cut = text.rfind(b"\n") + 1
            if cut == 0:
                rest = text
                continue
            block, rest = text[:cut], text[cut:]
            if b"\r" in block:
                block = block.replace(b"\r\n", b"\n")
            yield block, line
            line += block.count(b"\n")
    if rest:
        yield rest.replace(b"\r\n", b"\n") + b"\n", line


@dataclass(frozen=True)
class Lines:
    """The lines of one block: where each starts and ends (the end is its LF), how many delimiters it
    holds, and whether it is blank (every field empty or white space)."""

    data: npt.NDArray[np.uint8]
    starts: npt.NDArray[np.int64]
    ends: npt.NDArray[np.int64]
    delimiters: npt.NDArray[np.int64]
    blank: npt.NDArray[np.bool_]
    delimiter_positions: npt.NDArray[np.int64]
    delimiters_before: npt.NDArray[np.int64]  # delimiters in the block before each line

    def __len__(self) -> int:
        return len(self.starts)

    def text(self, line: int) -> str:
        """One line's text (without its LF)."""
        return bytes(self.data[self.starts[line] : self.ends[line]]).decode("utf-8")


def lines_of(block: bytes, delimiter: str) -> Lines:
    """Find the shape of every line of ``block`` (a block from ``blocks``)."""
    data = np.frombuffer(block, dtype=np.uint8)
    ends = np.flatnonzero(data == 10).astype(np.int64)
    starts = np.empty_like(ends)
    starts[:1] = 0
    starts[1:] = ends[:-1] + 1
    is_delimiter = data == ord(delimiter)
    delimiter_positions = np.flatnonzero(is_delimiter).astype(np.int64)
    delimiters = _per_line(is_delimiter, starts, ends)
    delimiters_before = np.cumsum(delimiters) - delimiters
    sure = _per_line(_VISIBLE[data] & ~is_delimiter, starts, ends) > 0
    if data.size and data.max() >= 128:
        maybe = _per_line(_HIGH[data], starts, ends) > 0
    else:
        maybe = np.zeros(len(starts), dtype=bool)
    blank = ~sure & ~maybe
    lines = Lines(data, starts, ends, delimiters, blank, delimiter_positions, delimiters_before)
    # a line of delimiters, white space and non-ASCII characters: str.strip decides, as csv's reader would
    for line in np.flatnonzero(~sure & maybe):
        blank[line] = not lines.text(int(line)).replace(delimiter, "").strip()
    return lines


def _per_line(
    flags: npt.NDArray[np.bool_], starts: npt.NDArray[np.int64], ends: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """How many of each line's bytes are flagged (a running count read at both ends of the line)."""
    running = np.zeros(flags.size + 1, dtype=np.int64)
    np.cumsum(flags, out=running[1:])
    return running[ends] - running[starts]


def field_spans(
    lines: Lines, keep: npt.NDArray[np.int64], width: int, field: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Start and end (exclusive) of field ``field`` (from 0) in each line of ``keep``, all of which have
    ``width`` fields."""
    first = lines.delimiters_before[keep]
    start = lines.starts[keep] if field == 0 else lines.delimiter_positions[first + field - 1] + 1
    end = lines.ends[keep] if field == width - 1 else lines.delimiter_positions[first + field]
    return start, end
