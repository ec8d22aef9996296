"""Generated product pictures for the demo: a shape per kind on a coloured ground, seeded per
product, so every product has its own images without shipping image files."""

import io
import math

from PIL import Image, ImageDraw

from listings.demo.catalogue import (
    Kind,
)

SIDE = 800


def _mix(colour, other, share: float) -> tuple[int, int, int]:
    return tuple(round(a + (b - a) * share) for a, b in zip(colour, other, strict=True))


def _draw_shape(draw: ImageDraw.ImageDraw, shape: str, ink, accent) -> None:
    """A plain silhouette of the product kind, on an 800 x 800 canvas."""
    if shape == "moon":
        draw.ellipse((230, 170, 570, 510), fill=ink)
        draw.rectangle((385, 505, 415, 610), fill=accent)
        draw.ellipse((310, 600, 490, 640), fill=accent)
    elif shape == "dome":
        draw.line((400, 0, 400, 280), fill=accent, width=6)
        draw.pieslice((180, 280, 620, 660), 180, 360, fill=ink)
        for x in range(230, 580, 50):
            draw.line((400, 290, x, 470), fill=accent, width=3)
    elif shape == "column":
        draw.rounded_rectangle((330, 100, 470, 560), radius=24, fill=ink)
        draw.rectangle((392, 560, 408, 690), fill=accent)
        draw.ellipse((320, 680, 480, 715), fill=accent)
    elif shape == "wave":
        draw.rounded_rectangle((250, 190, 550, 610), radius=18, fill=ink)
        for y in range(230, 590, 40):
            draw.arc((250, y - 20, 400, y + 20), 0, 180, fill=accent, width=4)
            draw.arc((400, y - 20, 550, y + 20), 180, 360, fill=accent, width=4)
    elif shape == "lantern":
        draw.rounded_rectangle((290, 220, 510, 580), radius=70, fill=ink)
        draw.rectangle((290, 240, 510, 290), fill=(176, 48, 48))
        draw.rectangle((290, 510, 510, 560), fill=(176, 48, 48))
        draw.line((400, 120, 400, 220), fill=accent, width=6)
    elif shape == "boxes":
        for i, (w, h) in enumerate(((440, 300), (340, 230), (240, 160))):
            top = 240 + i * 90
            draw.rectangle((400 - w // 2, top, 400 + w // 2, top + h), fill=_mix(ink, accent, i * 0.3))
    elif shape == "bowl":
        draw.chord((200, 200, 600, 600), 0, 180, fill=ink)
        draw.rectangle((330, 590, 470, 625), fill=accent)
    elif shape == "plate":
        draw.ellipse((150, 300, 650, 560), fill=ink)
        draw.ellipse((250, 350, 550, 510), fill=accent)
    elif shape == "cloth":
        draw.rectangle((200, 220, 600, 600), fill=ink)
        for y in range(240, 600, 36):
            draw.line((200, y, 600, y), fill=accent, width=2)
        draw.polygon(((600, 220), (600, 330), (490, 220)), fill=accent)
    elif shape == "basket":
        draw.arc((250, 140, 550, 440), 180, 360, fill=accent, width=14)
        draw.rounded_rectangle((200, 300, 600, 600), radius=30, fill=ink)
        for x in range(220, 600, 30):
            draw.line((x, 300, x, 600), fill=accent, width=3)
        for y in range(320, 600, 30):
            draw.line((200, y, 600, y), fill=accent, width=3)
    elif shape == "sticks":
        for i in range(5):
            x = 260 + i * 60
            draw.polygon(((x, 140), (x + 18, 140), (x + 12, 660), (x + 6, 660)), fill=ink)
    elif shape == "inlay":
        draw.rectangle((180, 260, 620, 580), fill=ink)
        draw.rectangle((180, 240, 620, 280), fill=_mix(ink, (0, 0, 0), 0.3))
        for i in range(40):
            x, y = 210 + (i * 97) % 380, 300 + (i * i * 29 + i * 61) % 250
            draw.ellipse((x, y, x + 26, y + 16), fill=(150 + (i * 23) % 100, 200 + (i * 7) % 50, 170 + (i * 13) % 80))
    elif shape == "bottle":
        draw.rectangle((370, 170, 430, 260), fill=accent)
        draw.rounded_rectangle((310, 250, 490, 640), radius=30, fill=ink)
    elif shape == "mask":
        draw.ellipse((250, 130, 550, 660), fill=ink)
        for x in (320, 420):
            draw.ellipse((x, 300, x + 60, 340), fill=accent)
        draw.ellipse((350, 500, 450, 540), fill=accent)
    elif shape == "pump":
        draw.rounded_rectangle((320, 280, 480, 660), radius=24, fill=ink)
        draw.rectangle((385, 190, 415, 280), fill=accent)
        draw.rectangle((385, 180, 500, 205), fill=accent)
    elif shape == "jar":
        draw.rounded_rectangle((280, 260, 520, 620), radius=40, fill=ink)
        draw.rectangle((290, 200, 510, 265), fill=accent)
    elif shape == "leaf":
        left = [(400 - 170 * math.sin(math.pi * t / 20), 150 + 25 * t) for t in range(21)]
        right = [(800 - x, y) for x, y in reversed(left)]
        draw.polygon(left + right, fill=ink)
        draw.line((400, 150, 400, 650), fill=accent, width=5)


LAMPS = {"moon", "dome", "column", "wave", "lantern"}
GLOW = (255, 238, 200)


def picture(kind: Kind, seed: int, close_up: bool = False) -> bytes:
    """An 800 x 800 JPEG: a soft vertical gradient in the kind's colour (shifted a little per
    product, so no two look alike) and the kind's silhouette, lamps lit against a dusk sky; the
    close-up is the centre, enlarged."""
    shift = (seed * 37) % 41 - 20
    base = tuple(max(0, min(255, c + shift)) for c in kind.colour)
    lamp = kind.shape in LAMPS
    if lamp:
        top, bottom = _mix(base, (20, 16, 30), 0.75), _mix(base, (20, 16, 30), 0.45)
    else:
        top, bottom = _mix(base, (255, 255, 255), 0.55), _mix(base, (255, 255, 255), 0.15)
    mask = Image.linear_gradient("L").resize((SIDE, SIDE))
    image = Image.composite(Image.new("RGB", (SIDE, SIDE), bottom), Image.new("RGB", (SIDE, SIDE), top), mask)
    draw = ImageDraw.Draw(image)
    light = sum(base) / 3 > 140
    if lamp:
        for ring in range(6):  # a halo fading into the dusk
            r = 330 - ring * 30
            draw.ellipse((400 - r, 400 - r, 400 + r, 400 + r), fill=_mix(top, GLOW, 0.08 + ring * 0.05))
        ink, accent = GLOW, _mix(base, (40, 30, 20), 0.5)
    elif light:
        ink, accent = _mix(base, (40, 30, 20), 0.45), _mix(base, (0, 0, 0), 0.6)
    else:
        ink, accent = _mix(base, (255, 255, 255), 0.25), _mix(base, (255, 255, 255), 0.7)
    draw.ellipse((220, 690, 580, 740), fill=_mix(bottom, (0, 0, 0), 0.18))  # shadow
    _draw_shape(draw, kind.shape, ink, accent)
    if close_up:
        image = image.crop((200, 200, 600, 600)).resize((SIDE, SIDE), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()


# --- loading ------------------------------------------------------------------------------
