"""Bytes to text: byte-order marks, UTF-8, a fallback codec, binary files and NULs."""

from __future__ import annotations

import codecs
import re

from lineage.readers.items import ReadOptions, Where

# ``"\x00" in text`` is slow on texts with non-Latin-1 characters (CPython scans for a
# zero byte, which every ASCII character of a 2-byte string holds): a regex is 3x faster.
_NUL = re.compile("\x00")
_NUL_SKIP_FRACTION = 0.01
_CONTROL_SKIP_FRACTION = 0.05
_SNIFF_BYTES = 8192
_MAGIC = {
    b"\x89PNG\r\n\x1a\n": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF87a": "GIF image",
    b"GIF89a": "GIF image",
    b"%PDF-": "PDF document",
    b"PK\x03\x04": "ZIP archive (or .docx/.xlsx)",
    b"\x1f\x8b": "gzip archive",
    b"\x7fELF": "ELF executable",
    b"PAR1": "Parquet file",
    b"SQLite format 3\x00": "SQLite database",
}
# Bytes that do not occur in text: C0 controls other than tab, newlines, form feed and
# escape, plus DEL. NUL is counted apart (see strip_nuls).
_CONTROL_BYTES = bytes(b for b in [*range(1, 32), 127] if b not in b"\t\n\v\f\r\x1b")


def binary_kind(data: bytes) -> str:
    """Name the kind of a binary file from its signature or its control bytes, else ``""``."""
    for magic, name in _MAGIC.items():
        if data.startswith(magic):
            return f"{name} signature"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return ""
    head = data[:_SNIFF_BYTES]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if controls > _CONTROL_SKIP_FRACTION * len(head):
        share = f"{controls / len(head):.0%} control bytes in its first {len(head)} bytes"
        return f"{share}: binary, or text in a garbled encoding"
    return ""


def decode_bytes(data: bytes, where: Where, options: ReadOptions) -> tuple[str, list[str], str]:
    """Decode file bytes: BOM, else UTF-8, else the fallback codec.

    Returns the text, warning messages and a failure message (empty unless skipped).
    """
    for bom, codec in [
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ]:
        if data.startswith(bom):
            try:
                return data.decode(codec), [], ""
            except UnicodeDecodeError as error:
                return (
                    "",
                    [],
                    f"starts with a {codec} byte-order mark but is not valid {codec} "
                    f"({error.reason})",
                )
    try:
        return data.decode("utf-8"), [], ""
    except UnicodeDecodeError as error:
        text, message = decode_fallback(data, error, options)
    if not text:
        return "", [], message
    options.alerts.append(f"{where.label}: {message}")
    return text, [message], ""


def decode_fallback(
    data: bytes, error: UnicodeDecodeError, options: ReadOptions
) -> tuple[str, str]:
    """Decode with the fallback codec where UTF-8 fails; return the text and the message.

    A UTF-8 text with a few stray bytes of the fallback codec (scraped text often has
    some) keeps its UTF-8 characters and only those bytes are decoded with the codec;
    a text mostly in the fallback codec is decoded with it throughout. The text is
    ``""`` when no fallback is allowed.
    """
    bad = f"byte 0x{data[error.start]:02x} at offset {error.start}"
    codec = options.encoding_fallback
    if codec is None:
        return "", (
            f"not valid UTF-8 ({bad}); pass encoding_fallback='cp1252' (or the real "
            "encoding) to read it"
        )
    text, stray, utf8_extra = decode_mixed(data, codec)
    if utf8_extra >= stray:
        plural = "s" if stray > 1 else ""
        how = f"decoded the {stray} non-UTF-8 byte{plural} as {codec}, the rest as UTF-8"
    else:
        text, how = data.decode(codec, errors="replace"), f"decoded as {codec}"
    message = (
        f"not valid UTF-8 ({bad}); {how}; pass encoding_fallback=... "
        "(e.g. 'latin-1', 'cp1251') if that is wrong"
    )
    return text, message


def decode_mixed(data: bytes, codec: str) -> tuple[str, int, int]:
    """Decode UTF-8, and with ``codec`` the bytes that are not UTF-8.

    Returns the text, the number of bytes decoded with ``codec`` and the number of
    bytes beyond one per character in the UTF-8 parts (how much real UTF-8 there is).

    Examples
    --------
    >>> decode_mixed("Zelensky’s ".encode() + "’94".encode("cp1252"), "cp1252")
    ('Zelensky’s ’94', 1, 2)
    """
    view = memoryview(data)
    parts: list[str] = []
    position = stray = utf8_extra = 0
    while True:
        try:
            utf8 = str(view[position:], "utf-8")
            bad_start = bad_end = len(data)
        except UnicodeDecodeError as error:
            bad_start, bad_end = position + error.start, position + error.end
            utf8 = str(view[position:bad_start], "utf-8")
        parts.append(utf8)
        utf8_extra += (bad_start - position) - len(utf8)
        if bad_start == len(data):
            return "".join(parts), stray, utf8_extra
        parts.append(str(view[bad_start:bad_end], codec, "replace"))
        stray += bad_end - bad_start
        position = bad_end


class LineDecoder:
    """Decode the lines of one file: UTF-8 (BOM stripped on line 1), else the fallback.

    The first line that needs the fallback raises one :class:`LineageWarning` for the
    file; every such line gets its own warning problem.
    """

    def __init__(self, origin: str, options: ReadOptions) -> None:
        self.origin = origin
        self.options = options
        self.warned = False

    def decode(self, raw: bytes, line: int) -> tuple[str, str, str]:
        """Return the line's text, a warning and a failure message (each possibly empty)."""
        if line == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[len(codecs.BOM_UTF8) :]
        try:
            return raw.decode("utf-8"), "", ""
        except UnicodeDecodeError as error:
            text, message = decode_fallback(raw, error, self.options)
        if not text:
            return raw.decode("utf-8", errors="replace"), "", message
        if not self.warned:
            self.warned = True
            self.options.alerts.append(
                f"{self.origin}:{line}: {message} (later such lines of this file are "
                "listed as problems only)"
            )
        return text, message, ""


def strip_nuls(text: str) -> tuple[str, str, str]:
    """Handle NUL characters: strip a few (warning) or skip a NUL-riddled text.

    Returns the text, a warning and a skip message (each possibly empty).
    """
    if ("\x00" not in text) if text.isascii() else (_NUL.search(text) is None):
        return text, "", ""
    nuls = text.count("\x00")
    if nuls <= _NUL_SKIP_FRACTION * len(text):
        plural = "s" if nuls > 1 else ""
        return text.replace("\x00", ""), f"removed {nuls} NUL character{plural}", ""
    hint = ""
    if (
        min(text[0::2].count("\x00"), text[1::2].count("\x00")) < nuls * 0.05
        and nuls > len(text) / 3
    ):
        hint = "; it looks like UTF-16 without a byte-order mark: re-save it as UTF-8"
    return text, "", f"NUL-riddled: {nuls} of its {len(text)} characters are NUL, not text{hint}"
