"""A plain PDF document (fpdf2) for what a coordinator keeps or prints: a title, headings,
paragraphs, label/value lines, and a footer on every page (confidential, page x of y).

Names and answers can be in any script, so the text is set in DejaVu Sans, a TrueType font
taken from the system (`find_fonts`; Debian's `fonts-dejavu-core`). A character the font
cannot show becomes a replacement mark before fpdf2 sees it: no error, and no log line naming
it (fpdf2 would log the missing characters, and those come from people's names). Without the
font the document is still made, in a core font that knows Latin-1 only, and a warning says so.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import TTFFont

log = logging.getLogger(__name__)

REGULAR_FONT = "DejaVuSans.ttf"
BOLD_FONT = "DejaVuSans-Bold.ttf"
# Where the DejaVu fonts live: Debian and Ubuntu, then Fedora and Alpine, then Arch.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"),
             Path("/usr/share/fonts/TTF"))
FAMILY = "body"
CORE_FAMILY = "helvetica"
# Stands for the number of pages until the document is written. Control characters never
# survive `_fit`, so no text from a person can contain it.
PAGES_ALIAS = "\x1fpages\x1f"
# What the core font (Latin-1) shows instead of common typography outside Latin-1.
PLAIN = {"–": "-", "—": "-", "‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
         "•": "-", "▪": "-", "➜": "->", "✔": "v", "⚠": "!", "€": "EUR"}
INVISIBLE = frozenset({"Mn", "Me", "Cf", "Sk"})  # marks, joiners, variation selectors, skin tones

SIZE_TITLE, SIZE_HEADING, SIZE_SUBHEADING, SIZE_TEXT, SIZE_FOOTER = 17, 13, 11, 10, 8
LINE = 5.0  # mm, for body text


@dataclass(frozen=True)
class FontFiles:
    regular: Path
    bold: Path


def find_fonts(font_dir: Path | None = None) -> FontFiles | None:
    """The DejaVu Sans files, or None (with a warning: the PDF will be poorer). `font_dir` (the
    PDF_FONT_DIR setting) replaces the system folders, so a wrong setting is not covered up."""
    folders = (font_dir,) if font_dir is not None else FONT_DIRS
    for folder in folders:
        regular = folder / REGULAR_FONT
        if regular.is_file():
            bold = folder / BOLD_FONT
            return FontFiles(regular, bold if bold.is_file() else regular)
    log.warning("No %s in %s: PDFs use a core font, and characters outside Latin-1 are "
                "replaced. Install fonts-dejavu-core or set PDF_FONT_DIR.", REGULAR_FONT,
                ", ".join(map(str, folders)))
    return None


class _Pages(FPDF):
    """fpdf2 with our footer on every page."""

    def __init__(self, footer: Callable[[int, str], str], family: str,
                 fit: Callable[[str], str]) -> None:
        super().__init__(format="A4")
        self._footer, self._family, self._fit = footer, family, fit

    def footer(self) -> None:
        self.set_y(-14)
        self.set_font(self._family, "", SIZE_FOOTER)
        self.set_text_color(90)
        parts = self._footer(self.page_no(), PAGES_ALIAS).split(PAGES_ALIAS)
        self.cell(0, 5, PAGES_ALIAS.join(self._fit(part) for part in parts), align="C")
        self.set_text_color(0)


class PdfDocument:
    """Builds one document top to bottom; `output` gives the file. Without `fonts` it uses a
    core font (Latin-1 only).

    `footer(page, pages)` returns the footer line; `pages` is a placeholder that becomes the
    number of pages when the file is written, so put it in the text as it is.
    """

    def __init__(self, *, title: str, language: str, footer: Callable[[int, str], str],
                 fonts: FontFiles | None) -> None:
        family = FAMILY if fonts is not None else CORE_FAMILY
        self._pdf = _Pages(footer, family, self._fit)
        self._family = family
        pdf = self._pdf
        if fonts is not None:
            pdf.add_font(FAMILY, "", str(fonts.regular))
            pdf.add_font(FAMILY, "B", str(fonts.bold))
        pdf.set_margins(20, 18, 20)
        pdf.set_auto_page_break(True, margin=20)
        pdf.alias_nb_pages(PAGES_ALIAS)
        pdf.set_lang(language)
        pdf.set_creator("herstelbot")
        pdf.set_title(title)
        pdf.add_page()
        self._font("B", SIZE_TITLE)
        pdf.multi_cell(0, 8, self._fit(title), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def heading(self, text: str) -> None:
        """A section; it starts on a new page when too little room is left for what follows."""
        pdf = self._pdf
        self._keep(30)
        pdf.ln(4)
        self._font("B", SIZE_HEADING)
        pdf.multi_cell(0, 7, self._fit(text), align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_draw_color(160)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.w - pdf.r_margin, pdf.get_y())
        pdf.ln(2)

    def subheading(self, text: str) -> None:
        pdf = self._pdf
        self._keep(20)
        pdf.ln(3)
        self._font("B", SIZE_SUBHEADING)
        pdf.multi_cell(0, 6, self._fit(text), align="L", new_x="LMARGIN", new_y="NEXT")

    def paragraph(self, text: str, *, bold: bool = False, indent: float = 0) -> None:
        """A bold paragraph is a label: it stays on one page with the start of what follows."""
        if bold:
            self._keep(3 * LINE)
        self._font("B" if bold else "", SIZE_TEXT)
        self._pdf.set_x(self._pdf.l_margin + indent)
        self._pdf.multi_cell(0, LINE, self._fit(text), align="L", new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(1)

    def field(self, label: str, value: str, *, indent: float = 0) -> None:
        """"Label: value" on one line (wrapping under itself when long), the label in bold."""
        pdf = self._pdf
        pdf.set_left_margin(pdf.l_margin + indent)
        pdf.set_x(pdf.l_margin)
        self._font("B", SIZE_TEXT)
        pdf.write(LINE, self._fit(label) + ": ")
        self._font("", SIZE_TEXT)
        pdf.write(LINE, self._fit(value))
        pdf.ln(LINE + 1)
        pdf.set_left_margin(pdf.l_margin - indent)

    def output(self) -> bytes:
        return bytes(self._pdf.output())

    def _keep(self, height: float) -> None:
        """A new page unless `height` mm fit on this one."""
        if self._pdf.will_page_break(height):
            self._pdf.add_page()

    def _font(self, style: str, size: float) -> None:
        self._pdf.set_font(self._family, style, size)

    def _fit(self, text: str) -> str:
        """The text as the current font can show it."""
        font = self._pdf.current_font if self._pdf.font_family else None
        cmap = font.cmap if isinstance(font, TTFFont) else None
        return fit_text(text, cmap)


def fit_text(text: str, cmap: dict[int, str] | None) -> str:
    """`text` with only characters the font has (`cmap`; None: the core font's Latin-1).

    Accents a font lacks fall back to the bare letter, invisible modifiers (an emoji's
    skin tone, a joiner) are dropped, control characters become spaces, and anything else
    becomes a replacement mark."""
    def has(char: str) -> bool:
        return ord(char) in cmap if cmap is not None else ord(char) < 256

    mark = "\ufffd" if has("\ufffd") else "?"
    shown: list[str] = []
    for char in unicodedata.normalize("NFC", text):
        category = unicodedata.category(char)
        if char == "\n":
            shown.append(char)
        elif category == "Cc":
            shown.append(" " if char != "\r" else "")
        elif has(char):
            shown.append(char)
        elif char in PLAIN and all(has(c) for c in PLAIN[char]):
            shown.append(PLAIN[char])
        elif category in INVISIBLE:
            continue
        else:
            bare = [c for c in unicodedata.normalize("NFKD", char)
                    if unicodedata.category(c) not in INVISIBLE]
            shown.append("".join(bare) if bare and all(has(c) for c in bare) else mark)
    return "".join(shown)
