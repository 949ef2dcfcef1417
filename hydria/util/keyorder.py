"""Key ordering helpers: S3 orders keys by their UTF-8 bytes, which equals code-point order."""

from __future__ import annotations


def prefix_successor(prefix: str) -> str | None:
    """The smallest string greater than every string that starts with ``prefix``.

    Bumping the last code point works because code-point order equals UTF-8 byte order;
    surrogates are skipped. None when no such string exists (a prefix of only U+10FFFF).
    """
    chars = list(prefix)
    while chars:
        cp = ord(chars[-1])
        if cp < 0x10FFFF:
            nxt = cp + 1
            if 0xD800 <= nxt <= 0xDFFF:
                nxt = 0xE000
            chars[-1] = chr(nxt)
            return "".join(chars)
        chars.pop()
    return None
