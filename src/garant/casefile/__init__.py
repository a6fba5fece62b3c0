"""The case file of a dispute (DSP-9), the outside remedies (DSP-8) and the complaint letter
(MSG-4): a ``CaseFile`` (``model``) rendered as PDF (``pdf``), the letter composed in
``letter``, the remedies listed in ``remedies``.

A service assembles the ``CaseFile`` from the database; everything here is pure rendering.
"""

from garant.casefile.letter import (
    COMPLAINT_ANSWER_DAYS,
    DEFAULT_PLATFORM_ADDRESS,
    ComplaintLetter,
    complaint_letter_text,
    compose_complaint_letter,
)
from garant.casefile.model import (
    Buyer,
    CaseFile,
    Decision,
    Dispute,
    Evidence,
    EvidenceRequest,
    Item,
    Message,
    Offer,
    Order,
    Outcome,
    Platform,
    Refund,
    Resolution,
    Seller,
    TimelineEntry,
    TrackingEvent,
    format_money,
)
from garant.casefile.pdf import render_case_file, render_complaint_letter
from garant.casefile.remedies import outside_remedies, remedies_for

__all__ = [
    "COMPLAINT_ANSWER_DAYS",
    "DEFAULT_PLATFORM_ADDRESS",
    "Buyer",
    "CaseFile",
    "ComplaintLetter",
    "Decision",
    "Dispute",
    "Evidence",
    "EvidenceRequest",
    "Item",
    "Message",
    "Offer",
    "Order",
    "Outcome",
    "Platform",
    "Refund",
    "Resolution",
    "Seller",
    "TimelineEntry",
    "TrackingEvent",
    "complaint_letter_text",
    "compose_complaint_letter",
    "format_money",
    "outside_remedies",
    "remedies_for",
    "render_case_file",
    "render_complaint_letter",
]
