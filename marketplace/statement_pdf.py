"""A company's monthly statement as PDF (reportlab, A4), set in the same embedded font as the
customs documents."""

import io
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from brands.models import Company
from logistics.documents import STYLES, _register_fonts

LABELS = [
    ("sales", "Sales"),
    ("refunds", "Refunds"),
    ("chargebacks", "Chargebacks (returns the seller answers for)"),
    ("commission", "Sales commission (your part)"),
    ("fees", "Platform fees (your part)"),
    ("brand_fund", "Brand fund contributions"),
    ("agent_commissions", "Commission earned as an agent"),
    ("carried_in", "Balance owed from an earlier month"),
    ("net", "Net payable to you"),
]


def _p(text, style="text") -> Paragraph:
    return Paragraph(escape(str(text)), STYLES[style])


def _line_text(line: dict) -> tuple[str, str, str]:
    kind = line["type"]
    if kind == "sale":
        return "Sale", f"{line['order']} {line['sku']} x {line['quantity']}", line["amount"]
    if kind == "exchange_difference":
        return "Exchange difference", f"{line['order']} {line['sku']} (a dearer replacement)", line["amount"]
    if kind in ("refund", "chargeback"):
        return kind.capitalize(), f"{line['order']} ({line['reason']})", f"-{line['amount']}"
    if kind == "promotion":
        funder = line["funded_by"].replace("_", " ")
        return "Promotion", f"{line['order']} (funded by the {funder})", line["amount"]
    if kind in ("agent_commission", "agent_commission_reversal"):
        label = "Agent commission" if kind == "agent_commission" else "Agent commission reversed"
        return label, f"{line['company']} {line['cause']}", line["amount"]
    if kind == "carried_in":
        return "Balance brought forward", f"owed at the end of {line['period']}", line["amount"]
    label = "Fee" if kind == "fee" else "Fee reversed"
    covered = (
        f", programmes covered {line['programme_covered']}"
        if line.get("programme_covered") not in ("0", "0.00", None)
        else ""
    )
    return label, f"{line['kind']} {line['cause']} {line['period']}{covered}".strip(), line["amount"]


def statement_pdf(*, company: Company, statement: dict) -> bytes:
    _register_fonts()
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Statement {statement['period']} {company.legal_name}",
    )
    currency = statement["currency"]
    story = [
        _p(f"Statement {statement['period']}", "title"),
        _p(f"{company.display_name('en')} ({company.legal_name}), registration {company.registration_number}"),
        _p(f"Amounts in {currency}; status {statement['status']}.", "subtitle"),
        Spacer(1, 5 * mm),
    ]
    summary = [[_p("Summary", "head"), _p(currency, "head")]]
    summary += [[_p(label), _p(statement[name]["amount"], "number")] for name, label in LABELS]
    summary.append(
        [
            _p("Covered by support programmes (not deducted)", "small"),
            _p(statement["programme_covered"]["amount"], "number"),
        ]
    )
    table = Table(summary, colWidths=[130 * mm, 50 * mm])
    table.setStyle(
        TableStyle(
            [("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black), ("LINEABOVE", (0, -2), (-1, -2), 0.5, colors.black)]
        )
    )
    story += [table, Spacer(1, 6 * mm)]
    rows = [[_p("Item", "head"), _p("Detail", "head"), _p(currency, "head")]]
    for line in statement["lines"]:
        label, detail, amount = _line_text(line)
        rows.append([_p(label, "cell"), _p(detail, "cell"), _p(amount, "number")])
    if len(rows) == 1:
        rows.append([_p("No activity in this period.", "cell"), "", ""])
    lines = Table(rows, colWidths=[30 * mm, 110 * mm, 40 * mm], repeatRows=1)
    lines.setStyle(TableStyle([("LINEBELOW", (0, 0), (-1, 0), 0.5, colors.black), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story.append(lines)
    document.build(story)
    return buffer.getvalue()
