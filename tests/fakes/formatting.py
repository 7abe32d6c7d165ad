"""Telegram's server-side text formatting (``parse_mode``), as far as a fake needs it.

Why this exists: the most common production failures of a Telegram bot are formatting
errors that only the server detects (an unescaped ``<`` in user input sent with
``parse_mode=HTML``, a ``.`` in MarkdownV2, a message over 4096 characters). The fake
rejects those exactly like the Bot API does, and returns the *rendered* text plus
``entities`` like Telegram, so tests see what a person sees. The parsers follow the
structure of tdlib's ``parse_html`` / ``parse_markdown_v2`` (``td/telegram/MessageEntity.cpp``)
including their error messages and UTF-8 byte offsets.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EntityParseError",
    "find_bot_commands",
    "render",
    "strip_and_shift",
    "utf16_len",
]

JSONDict = dict[str, Any]


class EntityParseError(ValueError):
    """Raised for text the Bot API refuses with ``can't parse entities: ...``."""


def utf16_len(text: str) -> int:
    """Telegram measures offsets/lengths in UTF-16 code units (emoji count as 2)."""
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """tdlib reports error positions as UTF-8 byte offsets into the raw text."""
    return len(text[:index].encode("utf-8"))


@dataclass
class _Builder:
    """Accumulates rendered text while tracking the UTF-16 offset for entities."""

    parts: list[str] = field(default_factory=list)
    offset16: int = 0
    entities: list[JSONDict] = field(default_factory=list)

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.offset16 += utf16_len(chunk)

    @property
    def text(self) -> str:
        return "".join(self.parts)


_HTML_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)

_SIMPLE_HTML_ENTITIES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "code": "code",
}

_NAMED_CHAR_REFS = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_CHAR_REF_RE = re.compile(r"&(?:#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6})|([a-zA-Z]{2,4}));")


def _decode_char_ref(text: str, index: int) -> tuple[str, int] | None:
    """Only &lt; &gt; &amp; &quot; and numeric references are decoded, like tdlib."""
    match = _CHAR_REF_RE.match(text, index)
    if match is None:
        return None
    decimal, hexadecimal, name = match.groups()
    if name is not None:
        char = _NAMED_CHAR_REFS.get(name)
        if char is None:
            return None
        return char, match.end() - index
    code = int(decimal) if decimal is not None else int(hexadecimal, 16)
    if code == 0 or code > 0x10FFFF or 0xD800 <= code <= 0xDFFF:
        return None
    return chr(code), match.end() - index


@dataclass
class _OpenTag:
    name: str
    argument: str
    offset16: int
    text_start: int


def parse_html(text: str) -> tuple[str, list[JSONDict]]:
    """Port of tdlib's HTML parser: returns (plain text, entities) or raises."""
    out = _Builder()
    stack: list[_OpenTag] = []
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char == "&":
            decoded = _decode_char_ref(text, i)
            if decoded is not None:
                out.add(decoded[0])
                i += decoded[1]
                continue
        if char != "<":
            out.add(char)
            i += 1
            continue
        begin = i
        i += 1
        if i < n and text[i] == "/":
            i = _html_end_tag(text, begin, stack, out)
            continue
        while i < n and not text[i].isspace() and text[i] != ">":
            i += 1
        if i >= n:
            raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
        tag = text[begin + 1 : i].lower()
        if tag not in _HTML_TAGS:
            raise EntityParseError(
                f'Unsupported start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        argument, i = _html_attributes(text, tag, begin, i)
        if tag == "span" and argument != "spoiler":
            offset = _byte_offset(text, begin)
            raise EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        stack.append(_OpenTag(tag, argument, out.offset16, len(out.text)))
        i += 1  # the '>'
    if stack:
        raise EntityParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    out.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.text, out.entities


def _html_attributes(text: str, tag: str, begin: int, i: int) -> tuple[str, int]:
    """Parse ``name="value"`` pairs; returns (tag argument, index of the closing '>')."""
    n = len(text)
    argument = ""
    while i < n and text[i] != ">":
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            break
        if text[i] == ">":
            break
        attr_begin = i
        while i < n and not text[i].isspace() and text[i] not in "=>":
            i += 1
        name = text[attr_begin:i].lower()
        if not name:
            raise EntityParseError(
                f'Empty attribute name in the tag "{tag}" at byte offset '
                f"{_byte_offset(text, attr_begin)}"
            )
        while i < n and text[i].isspace():
            i += 1
        if tag == "blockquote" and name == "expandable" and (i >= n or text[i] != "="):
            argument = "1"
            continue
        if i >= n or text[i] != "=":
            raise EntityParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" at '
                f"byte offset {_byte_offset(text, i)}"
            )
        i += 1
        while i < n and text[i].isspace():
            i += 1
        if i >= n:
            raise EntityParseError(
                f'Unclosed start tag "{tag}" at byte offset {_byte_offset(text, begin)}'
            )
        if text[i] not in "'\"":
            token_begin = i
            while i < n and (text[i].isalnum() or text[i] in ".-"):
                i += 1
            value = text[token_begin:i].lower()
            if i < n and not text[i].isspace() and text[i] != ">":
                raise EntityParseError(
                    f"Unexpected end of name token at byte offset {_byte_offset(text, i)}"
                )
        else:
            quote = text[i]
            i += 1
            chars: list[str] = []
            while i < n and text[i] != quote:
                decoded = _decode_char_ref(text, i) if text[i] == "&" else None
                if decoded is not None:
                    chars.append(decoded[0])
                    i += decoded[1]
                else:
                    chars.append(text[i])
                    i += 1
            if i >= n:
                raise EntityParseError(
                    f"Unclosed start tag at byte offset {_byte_offset(text, begin)}"
                )
            i += 1
            value = "".join(chars)
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[len("language-") :]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[len("tg-") :]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
        elif tag == "blockquote" and name == "expandable":
            argument = "1"
    if i >= n:
        raise EntityParseError(f"Unclosed start tag at byte offset {_byte_offset(text, begin)}")
    return argument, i


def _html_end_tag(text: str, begin: int, stack: list[_OpenTag], out: _Builder) -> int:
    """Close the innermost open tag; returns the index after '>'."""
    n = len(text)
    if not stack:
        raise EntityParseError(f"Unexpected end tag at byte offset {_byte_offset(text, begin)}")
    i = begin + 2
    while i < n and not text[i].isspace() and text[i] != ">":
        i += 1
    end_name = text[begin + 2 : i].lower()
    while i < n and text[i].isspace():
        i += 1
    if i >= n or text[i] != ">":
        raise EntityParseError(f"Unclosed end tag at byte offset {_byte_offset(text, begin)}")
    opened = stack.pop()
    if end_name and end_name != opened.name:
        raise EntityParseError(
            f"Unmatched end tag at byte offset {_byte_offset(text, begin)}, expected "
            f'"</{opened.name}>", found "</{end_name}>"'
        )
    length = out.offset16 - opened.offset16
    if length > 0:
        entity = _html_entity(opened, length, out.text[opened.text_start :], stack)
        if entity is not None:
            out.entities.append(entity)
    return i + 1


def _html_entity(
    opened: _OpenTag, length: int, inner_text: str, stack: list[_OpenTag]
) -> JSONDict | None:
    base: JSONDict = {"offset": opened.offset16, "length": length}
    name = opened.name
    if name in _SIMPLE_HTML_ENTITIES:
        entity_type = _SIMPLE_HTML_ENTITIES[name]
        if name == "code" and stack and stack[-1].name == "pre":
            # <pre><code class="language-x"> becomes one pre entity with a language.
            stack[-1].argument = stack[-1].argument or opened.argument
            return None
        return {"type": entity_type, **base}
    if name == "a":
        url = opened.argument or inner_text
        match = re.fullmatch(r"tg://user\?id=(\d+)", url)
        if match:
            return {
                "type": "text_mention",
                **base,
                "user": {"id": int(match.group(1)), "is_bot": False, "first_name": inner_text},
            }
        if not opened.argument:
            return {"type": "url", **base}
        return {"type": "text_link", **base, "url": url}
    if name == "pre":
        if opened.argument:
            return {"type": "pre", **base, "language": opened.argument}
        return {"type": "pre", **base}
    if name == "tg-emoji":
        return {"type": "custom_emoji", **base, "custom_emoji_id": opened.argument}
    if name == "blockquote":
        kind = "expandable_blockquote" if opened.argument else "blockquote"
        return {"type": kind, **base}
    return None  # pragma: no cover - every supported tag is handled above


_MDV2_RESERVED = "_*[]()~`>#+-=|{}.!"
_MDV2_TYPE_NAMES = {
    "bold": "Bold",
    "italic": "Italic",
    "underline": "Underline",
    "strikethrough": "Strikethrough",
    "spoiler": "Spoiler",
    "code": "Code",
    "pre": "Pre",
    "pre_code": "PreCode",
    "text_link": "TextUrl",
    "custom_emoji": "CustomEmoji",
}


@dataclass
class _MdOpen:
    kind: str
    argument: str
    offset16: int
    byte_offset: int
    text_start: int


def parse_markdown_v2(text: str) -> tuple[str, list[JSONDict]]:
    """Port of tdlib's MarkdownV2 parser (without block quotes spanning entities)."""
    out = _Builder()
    stack: list[_MdOpen] = []
    n = len(text)
    i = 0
    quote_start: int | None = None

    def at(index: int) -> str:
        return text[index] if index < n else ""

    while i < n:
        char = text[i]
        line_start = i == 0 or text[i - 1] == "\n"
        if line_start and not stack:
            if char == ">" or (text.startswith("**>", i)):
                if quote_start is None:
                    quote_start = out.offset16
                i += 3 if char == "*" else 1
                continue
            if quote_start is not None:
                _close_quote(out, quote_start)
                quote_start = None
        if char == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
            out.add(text[i + 1])
            i += 2
            continue
        reserved = (
            "`" if stack and stack[-1].kind in ("code", "pre", "pre_code") else _MDV2_RESERVED
        )
        if char not in reserved:
            out.add(char)
            i += 1
            continue
        if (
            char == "|"
            and at(i + 1) == "|"
            and quote_start is not None
            and (i + 2 >= n or text[i + 2] == "\n")
        ):
            i += 2  # "||" closing an expandable block quote
            continue
        top = stack[-1].kind if stack else None
        is_end = (
            (top == "bold" and char == "*")
            or (top == "italic" and char == "_" and at(i + 1) != "_")
            or (top == "code" and char == "`")
            or (top in ("pre", "pre_code") and text.startswith("```", i))
            or (top in ("text_link", "custom_emoji") and char == "]")
            or (top == "underline" and text.startswith("__", i))
            or (top == "strikethrough" and char == "~")
            or (top == "spoiler" and text.startswith("||", i))
        )
        if not is_end:
            i = _md_open(text, i, out, stack)
            continue
        i = _md_close(text, i, out, stack)
    if stack:
        top_open = stack[-1]
        raise EntityParseError(
            f"Can't find end of {_MDV2_TYPE_NAMES[top_open.kind]} entity at byte offset "
            f"{top_open.byte_offset}"
        )
    if quote_start is not None:
        _close_quote(out, quote_start)
    out.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return out.text, out.entities


def _close_quote(out: _Builder, start16: int) -> None:
    end = out.offset16
    if out.text.endswith("\n"):
        end -= 1
    if end > start16:
        out.entities.append({"type": "blockquote", "offset": start16, "length": end - start16})


def _reserved_error(char: str) -> EntityParseError:
    return EntityParseError(
        f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
    )


def _md_open(text: str, i: int, out: _Builder, stack: list[_MdOpen]) -> int:
    """Start an entity at text[i]; returns the next index to read."""
    n = len(text)
    char = text[i]
    byte_offset = _byte_offset(text, i)
    argument = ""
    if char == "_":
        if text.startswith("__", i):
            kind, i = "underline", i + 2
        else:
            kind, i = "italic", i + 1
    elif char == "*":
        kind, i = "bold", i + 1
    elif char == "~":
        kind, i = "strikethrough", i + 1
    elif char == "|":
        if not text.startswith("||", i):
            raise _reserved_error(char)
        kind, i = "spoiler", i + 2
    elif char == "[":
        kind, i = "text_link", i + 1
    elif char == "`":
        if text.startswith("```", i):
            i += 3
            kind = "pre"
            language_end = i
            while (
                language_end < n and not text[language_end].isspace() and text[language_end] != "`"
            ):
                language_end += 1
            if i != language_end and language_end < n and text[language_end] != "`":
                kind = "pre_code"
                argument = text[i:language_end]
                i = language_end
            if i < n and text[i] in "\r\n":
                if i + 1 < n and text[i + 1] in "\r\n" and text[i] != text[i + 1]:
                    i += 2
                else:
                    i += 1
        else:
            kind, i = "code", i + 1
    elif char == "!":
        if not text.startswith("![", i):
            raise _reserved_error(char)
        kind, i = "custom_emoji", i + 2
    else:
        raise _reserved_error(char)
    stack.append(_MdOpen(kind, argument, out.offset16, byte_offset, len(out.text)))
    return i


def _md_close(text: str, i: int, out: _Builder, stack: list[_MdOpen]) -> int:
    """Finish the innermost entity at text[i]; returns the next index to read."""
    n = len(text)
    opened = stack.pop()
    length = out.offset16 - opened.offset16
    skip = length == 0
    kind = opened.kind
    entity: JSONDict = {"offset": opened.offset16, "length": length}
    if kind in ("bold", "italic", "code", "strikethrough"):
        i += 1
        entity["type"] = kind
    elif kind in ("underline", "spoiler"):
        i += 2
        entity["type"] = kind
    elif kind in ("pre", "pre_code"):
        i += 3
        entity["type"] = "pre"
        if kind == "pre_code":
            entity["language"] = opened.argument
    else:  # text_link / custom_emoji: "]" then optional "(url)"
        i += 1
        url: str
        if i < n and text[i] == "(":
            i += 1
            url_begin = i
            chars: list[str] = []
            while i < n and text[i] != ")":
                if text[i] == "\\" and i + 1 < n and 0 < ord(text[i + 1]) <= 126:
                    chars.append(text[i + 1])
                    i += 2
                    continue
                chars.append(text[i])
                i += 1
            if i >= n:
                raise EntityParseError(
                    f"Can't find end of a URL at byte offset {_byte_offset(text, url_begin)}"
                )
            i += 1
            url = "".join(chars)
        else:
            if kind == "custom_emoji":
                raise EntityParseError(
                    f"Custom emoji entity must contain a tg://emoji URL at byte offset "
                    f"{opened.byte_offset}"
                )
            url = out.text[opened.text_start :]
        if kind == "custom_emoji":
            match = re.fullmatch(r"tg://emoji\?id=(\d+)", url)
            if match is None:
                raise EntityParseError(
                    f"Custom emoji URL must have an emoji identifier at byte offset "
                    f"{opened.byte_offset}"
                )
            entity.update(type="custom_emoji", custom_emoji_id=match.group(1))
        else:
            mention = re.fullmatch(r"tg://user\?id=(\d+)", url)
            if mention:
                entity.update(
                    type="text_mention",
                    user={
                        "id": int(mention.group(1)),
                        "is_bot": False,
                        "first_name": out.text[opened.text_start :],
                    },
                )
            elif re.match(r"(?i)^(https?://|tg://)?[^\s/]+\.[^\s]+|^tg://", url):
                entity.update(type="text_link", url=url)
            else:
                skip = True
    if not skip:
        out.entities.append(entity)
    return i


def parse_markdown(text: str) -> tuple[str, list[JSONDict]]:
    """Legacy ``Markdown``: *bold*, _italic_, `code`, ```pre```, [text](url); no escaping."""
    out = _Builder()
    n = len(text)
    i = 0
    while i < n:
        char = text[i]
        if char not in "_*`[":
            out.add(char)
            i += 1
            continue
        begin = i
        if char == "[":
            close = text.find("]", i + 1)
            if close == -1:
                raise EntityParseError(
                    "Can't find end of the entity starting at byte offset "
                    f"{_byte_offset(text, begin)}"
                )
            label = text[i + 1 : close]
            if close + 1 < n and text[close + 1] == "(":
                url_end = text.find(")", close + 2)
                if url_end == -1:
                    raise EntityParseError(
                        "Can't find end of the entity starting at byte offset "
                        f"{_byte_offset(text, begin)}"
                    )
                url = text[close + 2 : url_end]
                i = url_end + 1
            else:
                url = label
                i = close + 1
            start = out.offset16
            out.add(label)
            if label:
                out.entities.append(
                    {
                        "type": "text_link",
                        "offset": start,
                        "length": out.offset16 - start,
                        "url": url,
                    }
                )
            continue
        marker = "```" if text.startswith("```", i) else char
        close = text.find(marker, i + len(marker))
        if close == -1:
            raise EntityParseError(
                f"Can't find end of the entity starting at byte offset {_byte_offset(text, begin)}"
            )
        inner = text[i + len(marker) : close]
        start = out.offset16
        out.add(inner)
        kind = {"*": "bold", "_": "italic", "`": "code", "```": "pre"}[marker]
        if inner:
            out.entities.append({"type": kind, "offset": start, "length": out.offset16 - start})
        i = close + len(marker)
    return out.text, out.entities


def strip_and_shift(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims leading/trailing whitespace of texts and captions; entities follow."""
    stripped_left = text.lstrip()
    shift = utf16_len(text) - utf16_len(stripped_left)
    result = stripped_left.rstrip()
    total = utf16_len(result)
    shifted: list[JSONDict] = []
    for entity in entities:
        start = max(entity["offset"] - shift, 0)
        end = min(entity["offset"] + entity["length"] - shift, total)
        if end > start:
            shifted.append({**entity, "offset": start, "length": end - start})
    return result, shifted


def render(
    text: str, parse_mode: str | None, entities: list[JSONDict] | None
) -> tuple[str, list[JSONDict]]:
    """What a client shows for ``text`` + ``parse_mode``/``entities``; raises on bad markup."""
    mode = (parse_mode or "").lower()
    if entities:
        rendered, found = text, [dict(e) for e in entities]
    elif mode == "html":
        rendered, found = parse_html(text)
    elif mode == "markdownv2":
        rendered, found = parse_markdown_v2(text)
    elif mode == "markdown":
        rendered, found = parse_markdown(text)
    elif mode:
        raise EntityParseError(f"Unsupported parse_mode {parse_mode}")
    else:
        rendered, found = text, []
    return strip_and_shift(rendered, found)


_COMMAND_RE = re.compile(r"(?<![\w/@])/[A-Za-z0-9_]{1,32}(?:@[A-Za-z0-9_]{3,32})?(?![\w/@])")


def find_bot_commands(text: str) -> list[JSONDict]:
    """``bot_command`` entities the way Telegram marks them in incoming messages."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group(0)),
        }
        for match in _COMMAND_RE.finditer(text)
    ]
