"""The case file (DSP-9) and the complaint letter (MSG-4) as PDF documents.

Pure rendering: a ``CaseFile`` in, bytes out; nothing read from the database, the clock or
the settings. The same case gives the same bytes (reportlab's ``invariant`` mode fixes the
creation date and the document id), so a case file can be hashed and compared.

The case file is laid out in ``pdf_case``, the letter in ``pdf_letter``; what both share
(page, styles, escaping of free text, page numbering) is in ``pdf_base``.
"""

from garant.casefile.letter import complaint_letter_text
from garant.casefile.pdf_case import render_case_file
from garant.casefile.pdf_letter import render_complaint_letter

__all__ = ["complaint_letter_text", "render_case_file", "render_complaint_letter"]
