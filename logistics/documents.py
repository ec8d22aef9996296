"""Customs documents as PDF (reportlab, A4): the commercial invoice and a CN23-style customs
declaration of a customs declaration's lines. Text is set in Bitstream Vera, the TrueType font
reportlab ships, embedded in the file: it renders Latin text (accents included), which is what
declarations carry (descriptions are English). Scripts outside Latin-1 would need a font with
their glyphs."""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from django_countries import countries
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from core.money import quantize

FONT, BOLD = "Vera", "VeraBd"


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
        pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


STYLES = {
    "title": ParagraphStyle("title", fontName=BOLD, fontSize=15, leading=19, spaceAfter=4),
    "subtitle": ParagraphStyle("subtitle", fontName=FONT, fontSize=8, leading=10, textColor=colors.grey),
    "label": ParagraphStyle("label", fontName=BOLD, fontSize=7.5, leading=9, textColor=colors.HexColor("#444444")),
    "text": ParagraphStyle("text", fontName=FONT, fontSize=8.5, leading=10.5),
    "cell": ParagraphStyle("cell", fontName=FONT, fontSize=7.5, leading=9),
    "head": ParagraphStyle("head", fontName=BOLD, fontSize=7, leading=8.5),
    "number": ParagraphStyle("number", fontName=FONT, fontSize=7.5, leading=9, alignment=TA_RIGHT),
    "small": ParagraphStyle("small", fontName=FONT, fontSize=7, leading=8.5, textColor=colors.HexColor("#444444")),
}


def _p(text, style="text") -> Paragraph:
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), STYLES[style])


def _country(code) -> str:
    code = str(code or "")
    return f"{countries.name(code)} ({code})" if code else "-"


def _amount(value: Decimal | None, currency: str) -> str:
    return "-" if value is None else f"{quantize(Decimal(value), currency):,f}"


def _kg(value: Decimal | None) -> str:
    return "-" if value is None else f"{Decimal(value):.3f}"


def _consignee(declaration) -> tuple[str, str]:
    """Ship to: the consignee, or the importer where both are one party (older declarations)."""
    if declaration.consignee_name:
        return declaration.consignee_name, declaration.consignee_address
    return declaration.importer_name, declaration.importer_address


def _parties(declaration, *, bill_to: bool) -> Table:
    """The exporter and the addressee (ship to); on the invoice also the importer of record
    (bill to), who may be another party than the consignee."""
    exporter = declaration.exporter
    country = _country(declaration.destination_country)
    sender = (
        f"{declaration.exporter_name}\n{exporter.display_name('en')}, registration {exporter.registration_number}\n"
        f"{_country(exporter.country)}"
    )
    name, address = _consignee(declaration)
    labels, cells = [_p("EXPORTER / SENDER", "label")], [_p(sender)]
    if bill_to:
        labels.append(_p("BILL TO (IMPORTER OF RECORD)", "label"))
        cells.append(_p(f"{declaration.importer_name}\n{declaration.importer_address}\n{country}"))
        labels.append(_p("SHIP TO (CONSIGNEE)", "label"))
    else:
        labels.append(_p("ADDRESSEE", "label"))
    cells.append(_p(f"{name}\n{address}\n{country}"))
    width = 180 * mm / len(cells)
    table = Table([labels, cells], colWidths=[width] * len(cells))
    boxes = [("BOX", (column, 0), (column, -1), 0.5, colors.black) for column in range(len(cells))]
    table.setStyle(TableStyle([*boxes, ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def _facts(rows: list[tuple[str, str]]) -> Table:
    cells = [[_p(label, "label"), _p(value)] for label, value in rows]
    table = Table(cells, colWidths=[45 * mm, 135 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("BOTTOMPADDING", (0, 0), (-1, -1), 1)]))
    return table


def _lines_table(declaration, lines, *, with_manufacturer: bool) -> Table:
    currency = declaration.currency
    head = ["#", "Description", "HS code", "Origin", "Qty", f"Unit value ({currency})", f"Total ({currency})"]
    head += ["Net kg", "Gross kg"]
    if with_manufacturer:
        head.insert(2, "Manufacturer")
    rows = [[_p(text, "head") for text in head]]
    units = Decimal(0)
    value = Decimal(0)
    net = Decimal(0)
    gross = Decimal(0)
    for n, line in enumerate(lines, start=1):
        total = line.quantity * (line.unit_value or Decimal(0))
        units += line.quantity
        value += total
        net += line.net_weight_kg or 0
        gross += line.gross_weight_kg or 0
        row = [
            _p(n, "cell"),
            _p(line.description or "-", "cell"),
            _p(line.hs_code or "-", "cell"),
            _p(str(line.origin_country) or "-", "cell"),
            _p(line.quantity, "number"),
            _p(_amount(line.unit_value, currency), "number"),
            _p(_amount(total, currency), "number"),
            _p(_kg(line.net_weight_kg), "number"),
            _p(_kg(line.gross_weight_kg), "number"),
        ]
        if with_manufacturer:
            row.insert(2, _p(line.manufacturer.display_name("en"), "cell"))
        rows.append(row)
    totals = [_p("", "cell"), _p("Total", "head"), _p("", "cell"), _p("", "cell")]
    totals += [_p(units, "number"), _p("", "cell"), _p(_amount(value, currency), "number")]
    totals += [_p(_kg(net), "number"), _p(_kg(gross), "number")]
    if with_manufacturer:
        totals.insert(2, _p("", "cell"))
    rows.append(totals)
    widths = [7, 49, 21, 13, 11, 22, 22, 17, 18] if not with_manufacturer else [6, 36, 26, 21, 11, 10, 19, 19, 16, 16]
    table = Table(rows, colWidths=[w * mm for w in widths], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
                ("BACKGROUND", (0, -1), (-1, -1), colors.HexColor("#f6f6f6")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _origin_statements(lines) -> list:
    """The origin statement each preferential line needs, under the lines, numbered as they are."""
    stated = [(n, line) for n, line in enumerate(lines, start=1) if line.origin_statement]
    if not stated:
        return []
    story = [Spacer(1, 3 * mm), _p("ORIGIN STATEMENTS (preferential tariff treatment claimed)", "label")]
    story += [_p(f"Line {n} ({line.agreement_code}): {line.origin_statement}", "small") for n, line in stated]
    return story


def _signature(text: str) -> list:
    return [
        Spacer(1, 6 * mm),
        _p(text, "small"),
        Spacer(1, 10 * mm),
        _p("Date: ____________________    Signature of the exporter: ______________________________", "small"),
    ]


def _render(title: str, story: list, declaration) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"{title} CD-{declaration.pk}",
        author=declaration.exporter_name,
    )
    document.build(story)
    return buffer.getvalue()


def _reference(declaration) -> str:
    if declaration.consignment_id:
        return declaration.consignment.reference
    return f"shipment:{declaration.shipment_id}"


def _duties_note(declaration) -> str:
    currency = declaration.currency
    payer = "the exporter (DDP)" if declaration.incoterm == "DDP" else f"the importer ({declaration.incoterm})"
    if declaration.tax_scheme:
        return (
            f"Estimated duty {_amount(declaration.duty_amount, currency)} {currency}, payable by {payer}. "
            f"Import tax {_amount(declaration.tax_amount, currency)} {currency} charged at sale under "
            f"{declaration.tax_scheme} ({_scheme_number(declaration)}): no import tax is due at the border; "
            f"rules in force on {declaration.rule_versions.get('valid_on', '-')}."
        )
    return (
        f"Estimated duty {_amount(declaration.duty_amount, currency)} {currency} and import tax "
        f"{_amount(declaration.tax_amount, currency)} {currency}, payable by {payer}; "
        f"rules in force on {declaration.rule_versions.get('valid_on', '-')}."
    )


def _scheme_number(declaration) -> str:
    label = "IOSS number" if declaration.tax_scheme == "EU-IOSS" else "registration number"
    return f"{label} {declaration.tax_registration_number}"


def _scheme_facts(declaration) -> list[tuple[str, str]]:
    """The low-value scheme's number, which customs read to leave the import tax uncollected."""
    if not declaration.tax_scheme:
        return []
    return [("Low-value scheme", f"{declaration.tax_scheme}, {_scheme_number(declaration)}")]


def commercial_invoice_pdf(declaration, lines) -> bytes:
    """The commercial invoice: parties, terms, the lines with manufacturer, totals."""
    _register_fonts()  # before any Paragraph: it resolves its font when built
    currency = declaration.currency
    issued = (declaration.submitted_at or timezone.now()).date().isoformat()
    story = [
        _p("COMMERCIAL INVOICE", "title"),
        _p(
            f"Invoice CI-{declaration.pk} - customs declaration CD-{declaration.pk} - {_reference(declaration)}",
            "subtitle",
        ),
        Spacer(1, 4 * mm),
        _parties(declaration, bill_to=True),
        Spacer(1, 3 * mm),
        _facts(
            [
                ("Date", issued),
                ("Incoterm", f"{declaration.incoterm} {countries.name(str(declaration.destination_country))}"),
                ("Currency", currency),
                ("Country of destination", _country(declaration.destination_country)),
                ("Reason for export", "Sale of goods"),
                *_scheme_facts(declaration),
            ]
        ),
        Spacer(1, 4 * mm),
        _lines_table(declaration, lines, with_manufacturer=True),
        *_origin_statements(lines),
        Spacer(1, 3 * mm),
        _p(f"Total invoice value: {_amount(declaration.goods_value, currency)} {currency}"),
        _p(_duties_note(declaration), "small"),
    ]
    story += _signature("I declare that the information on this invoice is true and correct.")
    return _render("Commercial invoice", story, declaration)


def cn23_pdf(declaration, lines) -> bytes:
    """A customs declaration in the layout of the UPU's CN 23: sender, addressee, the detailed
    description of contents with quantity, net weight, value, HS tariff number and origin, the
    totals and the category of item."""
    _register_fonts()
    currency = declaration.currency
    total_gross = sum((line.gross_weight_kg or Decimal(0) for line in lines), Decimal(0))
    story = [
        _p("CUSTOMS DECLARATION CN 23", "title"),
        _p(
            f"CD-{declaration.pk} - {_reference(declaration)} - may be opened officially - "
            "a layout modelled on the UPU form CN 23",
            "subtitle",
        ),
        Spacer(1, 4 * mm),
        _parties(declaration, bill_to=False),
        Spacer(1, 3 * mm),
        _lines_table(declaration, lines, with_manufacturer=False),
        *_origin_statements(lines),
        Spacer(1, 3 * mm),
        _facts(
            [
                ("Total gross weight", f"{_kg(total_gross)} kg"),
                ("Total value", f"{_amount(declaration.goods_value, currency)} {currency}"),
                ("Category of item", "[X] Sale of goods   [ ] Gift   [ ] Documents   [ ] Returned goods   [ ] Other"),
                ("Incoterm", declaration.incoterm),
                ("Importer of record", f"{declaration.importer_name}, {declaration.importer_address}"),
                ("Licence / certificate", "-"),
                *_scheme_facts(declaration),
                ("Duties and taxes", _duties_note(declaration)),
            ]
        ),
    ]
    story += _signature(
        "I certify that the particulars given in this customs declaration are correct and that this item does "
        "not contain any dangerous article prohibited by legislation or by postal or customs regulations."
    )
    return _render("CN 23", story, declaration)


def _drawback_rule(rule) -> str:
    tax = "refunded" if rule.tax_refundable else "not refunded"
    return f"{rule.duty_share * 100:.2f}% of the duty; import tax {tax}; {rule.time_limit_days} days. {rule.source}"


def drawback_claim_pdf(claim, declared: dict) -> bytes:
    """The drawback claim: the import declaration it refers to, the disposition and its
    certificate, the claimed units with the duty and tax paid on them, the rule applied and the
    refundable amount, and whom the refund credits."""
    _register_fonts()
    declaration, currency = claim.declaration, claim.currency
    rows = [[_p(text, "head") for text in ("#", "Description", "HS code", "Units", "Duty paid", "Tax paid")]]
    for n, item in enumerate(claim.lines, start=1):
        line = declared[item["line"]]
        rows.append(
            [
                _p(n, "cell"),
                _p(line.description or "-", "cell"),
                _p(line.hs_code or "-", "cell"),
                _p(item["quantity"], "number"),
                _p(_amount(Decimal(item["duty_paid"]), currency), "number"),
                _p(_amount(Decimal(item["tax_paid"]), currency), "number"),
            ]
        )
    table = Table(rows, colWidths=[w * mm for w in (8, 72, 24, 16, 30, 30)], repeatRows=1)
    table.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.4, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]))
    story = [
        _p("DUTY DRAWBACK CLAIM", "title"),
        _p(f"Claim DB-{claim.pk} - customs declaration CD-{declaration.pk} - {_reference(declaration)}", "subtitle"),
        Spacer(1, 4 * mm),
        _parties(declaration, bill_to=True),
        Spacer(1, 3 * mm),
        _facts(
            [
                ("Imported into", _country(declaration.destination_country)),
                ("Incoterm", f"{declaration.incoterm} (duties and taxes paid by the exporter)"),
                ("Disposition", f"{claim.get_disposition_display()}: {claim.reference}"),
                ("Rule", _drawback_rule(claim.rule)),
                ("Refund credited to", claim.credited_company.display_name("en")),
            ]
        ),
        Spacer(1, 4 * mm),
        table,
        Spacer(1, 3 * mm),
        _p(
            f"Duty paid {_amount(claim.duty_paid, currency)} {currency}, import tax paid "
            f"{_amount(claim.tax_paid, currency)} {currency}; "
            f"refundable {_amount(claim.refundable, currency)} {currency}."
        ),
    ]
    story += _signature("I declare that the goods above were re-exported or destroyed as stated and claim the refund.")
    return _render("Duty drawback claim", story, declaration)
