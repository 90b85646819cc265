"""The printable return label: one A4 page (PDF made locally with fpdf2, no service, no network).

It carries what the parcel needs to find its way back and be matched on arrival: the shop's return
address (RETURN_ADDRESS; the shop's name alone until the owner sets it), the RMA number large and as a
Code 39 barcode (scannable by any handheld reader), the order number, and the items expected inside.
fpdf2's built-in fonts cover Latin-1 only, so other characters in product names print as "?" rather
than failing the download. Uncompressed: a label is ~3 KB, and its text stays searchable.
"""

from __future__ import annotations

from fpdf import FPDF

from shop.core.settings import Settings
from shop.returns.service import ReturnView


def _latin1(text: str) -> str:
    return text.replace("—", "-").replace("–", "-").replace("×", "x").encode("latin-1", "replace").decode("latin-1")


def return_label(view: ReturnView, settings: Settings) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_compression(False)
    pdf.set_title(f"Return label {view.id}")
    pdf.set_author(_latin1(settings.shop_name))
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 8, "RETURN TO", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 14)
    address = settings.return_address.strip() or settings.shop_name
    lines = [settings.shop_name] if settings.return_address.strip() else []
    for part in [*lines, *address.replace(",", "\n").splitlines()]:
        if part.strip():
            pdf.cell(0, 7, _latin1(part.strip()), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "B", 28)
    pdf.cell(0, 14, view.id, new_x="LMARGIN", new_y="NEXT")
    pdf.code39(f"*{view.id}*", x=pdf.l_margin, y=pdf.get_y() + 2, w=1, h=18)
    pdf.set_y(pdf.get_y() + 24)
    pdf.set_font("Helvetica", "", 12)
    pdf.cell(0, 7, _latin1(f"Order {view.order_id} - {view.customer_name}"), new_x="LMARGIN", new_y="NEXT")
    pdf.cell(0, 7, f"Resolution: {view.resolution}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 12)
    pdf.cell(0, 7, "In this parcel", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 12)
    for line in view.lines:
        state = "damaged or wrong" if line.damaged else ("opened" if line.opened else "unopened")
        pdf.cell(0, 7, _latin1(f"{line.quantity} x {line.name} ({state})"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font("Helvetica", "", 10)
    pdf.multi_cell(
        0,
        5,
        "Print this page, cut out the top part and tape it to the parcel. Put a copy inside, or write the "
        f"return number {view.id} on a note in the parcel.",
    )
    return bytes(pdf.output())
