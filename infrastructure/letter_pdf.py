"""Explanation letters as PDF, with fpdf2 and a Unicode TrueType font (accents, « », ’, €).

fpdf2's built-in fonts are Latin-1 only, so the font is DejaVu Sans from Debian's
`fonts-dejavu-core` (free licence), embedded and subset in each file. Another folder
holding DejaVuSans.ttf and DejaVuSans-Bold.ttf can be given (docs/adr/0017).
"""
from __future__ import annotations

import logging
from pathlib import Path

from fpdf import FPDF

from application.letter import Letter

DEFAULT_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT = "DejaVuSans"
#: fpdf2 subsets the font with fontTools, which logs each step at INFO (about 75 lines a letter):
#: noise in the server's log, so only its warnings are kept.
logging.getLogger("fontTools").setLevel(logging.WARNING)


class LetterFontMissingError(RuntimeError):
    """The Unicode font the PDF needs is not installed."""


def letter_pdf(letter: Letter, font_dir: Path = DEFAULT_FONT_DIR) -> bytes:
    regular, bold = font_dir / "DejaVuSans.ttf", font_dir / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        raise LetterFontMissingError(f"DejaVu Sans not found in {font_dir} (Debian: apt-get install fonts-dejavu-core)")
    pdf = FPDF(format="A4")
    pdf.set_title(f"Lettre d'explication {letter.letter_id}")
    pdf.set_author("Relais")
    pdf.set_creation_date(letter.produced_at)  # the same letter gives the same file
    pdf.add_font(FONT, "", str(regular))
    pdf.add_font(FONT, "B", str(bold))
    pdf.set_margins(20, 20, 20)
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font(FONT, size=10)
    for line in letter.header:
        pdf.multi_cell(0, 5.5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    for section in letter.sections:
        if section.heading:
            pdf.ln(2)
            pdf.set_font(FONT, "B", 12)
            pdf.multi_cell(0, 6.5, section.heading, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        for block in section.blocks:
            _block(pdf, block.kind, block.text)
    return bytes(pdf.output())


def _block(pdf: FPDF, kind: str, text: str) -> None:
    if kind == "h3":
        pdf.ln(1)
        pdf.set_font(FONT, "B", 10.5)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    elif kind == "li":
        pdf.set_font(FONT, size=10)
        pdf.set_x(pdf.l_margin + 4)
        pdf.multi_cell(0, 5.2, f"• {text}", new_x="LMARGIN", new_y="NEXT")
    elif kind == "model":
        # A recorded model output, quoted as it is: laid out as plain text, never markup.
        pdf.set_font(FONT, size=9.5)
        pdf.set_x(pdf.l_margin + 8)
        pdf.multi_cell(0, 5, f"« {text} »", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)
    else:
        pdf.set_font(FONT, size=10)
        pdf.multi_cell(0, 5.2, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
