"""Numbers as claims: every number written in a text, with its unit when it has one, and
the model or part codes that mix letters and digits ("LTO-8", "TC-L82AN-BR").

A unit is normalised to a canonical one of a dimension ("mL", "milliliters" -> ml), and a
value is kept exactly (a Fraction) and in the dimension's base unit, so "1.5 L" and
"1500 ml" are one amount while "4.0 GHz" and "4-core" never are. Units are a table (the
only list here): no NLP tool normalises them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# canonical unit -> (dimension, factor to the dimension's base unit, aliases). Aliases of
# one letter and the data units are matched with their case ("5G" is not 5 grams, "Gb" is
# not "GB"); the others in any case.
_UNITS: dict[str, tuple[str, Fraction, tuple[str, ...]]] = {
    "mm": ("length", Fraction(1, 1000), ("mm", "millimeter", "millimeters", "millimetre", "millimetres")),
    "cm": ("length", Fraction(1, 100), ("cm", "centimeter", "centimeters", "centimetre", "centimetres")),
    "m": ("length", Fraction(1), ("m", "meter", "meters", "metre", "metres")),
    "km": ("length", Fraction(1000), ("km", "kilometer", "kilometers", "kilometre", "kilometres")),
    "in": ("length", Fraction(254, 10000), ("in", "in.", "inch", "inches", '"', "”", "''")),
    "ft": ("length", Fraction(3048, 10000), ("ft", "foot", "feet", "'", "’")),
    "mg": ("mass", Fraction(1, 1000), ("mg", "milligram", "milligrams")),
    "g": ("mass", Fraction(1), ("g", "gram", "grams", "gr")),
    "kg": ("mass", Fraction(1000), ("kg", "kilogram", "kilograms", "kilo", "kilos")),
    "oz": ("mass", Fraction(28349523125, 10**9), ("oz", "oz.", "ounce", "ounces")),
    "lb": ("mass", Fraction(45359237, 10**5), ("lb", "lbs", "lb.", "lbs.", "pound", "pounds")),
    "ml": ("volume", Fraction(1), ("ml", "mL", "milliliter", "milliliters", "millilitre", "millilitres")),
    "cl": ("volume", Fraction(10), ("cl", "cL", "centiliter", "centiliters", "centilitre", "centilitres")),
    "l": ("volume", Fraction(1000), ("l", "L", "liter", "liters", "litre", "litres", "ltr")),
    "fl oz": ("volume", Fraction(29573529562, 10**9), ("fl oz", "fl. oz", "fl. oz.", "fl.oz", "fluid ounce", "fluid ounces")),
    "gal": ("volume", Fraction(3785411784, 10**6), ("gal", "gallon", "gallons")),
    "Hz": ("frequency", Fraction(1), ("hz", "hertz")),
    "kHz": ("frequency", Fraction(10**3), ("khz",)),
    "MHz": ("frequency", Fraction(10**6), ("mhz",)),
    "GHz": ("frequency", Fraction(10**9), ("ghz",)),
    "KB": ("bytes", Fraction(10**3), ("KB", "kB", "kilobyte", "kilobytes")),
    "MB": ("bytes", Fraction(10**6), ("MB", "megabyte", "megabytes")),
    "GB": ("bytes", Fraction(10**9), ("GB", "gigabyte", "gigabytes", "gb")),
    "TB": ("bytes", Fraction(10**12), ("TB", "terabyte", "terabytes", "tb")),
    "Mb": ("bits", Fraction(10**6), ("Mb", "megabits")),  # "gigabit LAN" is a kind of port
    "Gb": ("bits", Fraction(10**9), ("Gb", "gigabits")),
    "Mb/s": ("bitrate", Fraction(10**6), ("Mb/s", "Mbps", "mbps", "Mbit/s")),
    "Gb/s": ("bitrate", Fraction(10**9), ("Gb/s", "Gbps", "gbps", "Gbit/s")),
    "MB/s": ("byterate", Fraction(10**6), ("MB/s", "MBps")),
    "GB/s": ("byterate", Fraction(10**9), ("GB/s", "GBps")),
    "W": ("power", Fraction(1), ("W", "watt", "watts")),
    "kW": ("power", Fraction(1000), ("kW", "kilowatt", "kilowatts")),
    "V": ("voltage", Fraction(1), ("V", "volt", "volts")),
    "A": ("current", Fraction(1), ("A", "amp", "amps", "ampere", "amperes")),
    "mA": ("current", Fraction(1, 1000), ("mA",)),
    "mAh": ("charge", Fraction(1, 1000), ("mAh", "mah")),
    "Ah": ("charge", Fraction(1), ("Ah",)),
    "Wh": ("energy", Fraction(1), ("Wh", "wh")),
    "kWh": ("energy", Fraction(1000), ("kWh", "kwh")),
    "°C": ("celsius", Fraction(1), ("°C", "° C", "ºC", "degrees C", "degrees Celsius", "celsius")),
    "°F": ("fahrenheit", Fraction(1), ("°F", "° F", "ºF", "degrees F", "degrees Fahrenheit", "fahrenheit")),
    "s": ("time", Fraction(1), ("s", "sec", "secs", "second", "seconds")),
    "min": ("time", Fraction(60), ("min", "mins", "minute", "minutes")),
    "h": ("time", Fraction(3600), ("h", "hr", "hrs", "hour", "hours")),
    "day": ("time", Fraction(86400), ("day", "days")),
    "week": ("time", Fraction(604800), ("week", "weeks")),
    "month": ("months", Fraction(1), ("month", "months")),
    "year": ("months", Fraction(12), ("year", "years", "yr", "yrs")),
    "%": ("percent", Fraction(1), ("%", "percent", "per cent")),
    "dB": ("decibel", Fraction(1), ("db", "decibel", "decibels")),
    "rpm": ("rpm", Fraction(1), ("rpm",)),
    "psi": ("pressure", Fraction(1), ("psi",)),
    "bar": ("bar", Fraction(1), ("bar",)),
    "lm": ("lumen", Fraction(1), ("lm", "lumen", "lumens")),
    "dpi": ("dpi", Fraction(1), ("dpi",)),
    "MP": ("megapixel", Fraction(1), ("mp", "megapixel", "megapixels")),
    "fps": ("fps", Fraction(1), ("fps",)),
    "ohm": ("ohm", Fraction(1), ("ohm", "ohms", "Ω")),
    "Nm": ("torque", Fraction(1), ("Nm", "N·m", "newton meters", "newton metres")),
    "km/h": ("speed", Fraction(1), ("km/h", "kmh", "kph", "km/hr", "kilometres per hour", "kilometers per hour")),
    "mph": ("speed", Fraction(1609344, 10**6), ("mph", "miles per hour")),
    "m/s": ("speed", Fraction(36, 10), ("m/s",)),
    "x": ("times", Fraction(1), ("x",)),
}
_CURRENCIES = {"$": "USD", "€": "EUR", "£": "GBP"}

_CASED = {alias for _, _, aliases in _UNITS.values() for alias in aliases if len(alias) == 1 or alias[-1] in "bB"}
_ALIASES: list[tuple[str, str]] = sorted(
    ((alias, unit) for unit, (_, _, aliases) in _UNITS.items() for alias in aliases),
    key=lambda pair: -len(pair[0]),
)
# "in" after a number is an inch ("6 in. wide", "a 6 x 4 in tray") unless a determiner,
# a pronoun or a number follows, as after the preposition ("2 in a pack", "5 in 1").
_PREPOSITION_IN = re.compile(
    r"\s+(?:a|an|the|this|that|these|those|your|my|our|their|his|her|its|one|each|every|all|any|some|\d)\b",
    re.IGNORECASE,
)

_NUM = r"\d+(?:[.,]\d+)*"
_SPELLED = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
    "forty": 40, "fifty": 50, "hundred": 100, "dozen": 12,
}
# A number starts nowhere inside a code ("E5-2620", "LTO-8"): not after a letter or digit,
# nor after one joined to it by "-". After "/" it does: "4K/30fps" holds 30 fps.
_GROUP = re.compile(
    rf"(?<![\w.])(?<![^\W_]-)(?P<cur>[$€£]\s?)?(?P<nums>{_NUM}(?:\s*(?:x|×|/|-|–|to|by)\s*{_NUM})*)"
    rf"|\b(?P<word>{'|'.join(_SPELLED)}|one(?=-[a-z]))\b",
    re.IGNORECASE,
)
_CODE = re.compile(r"(?<![\w-])(?=[\w/-]*\d)(?=[\w/-]*[^\W\d_])[^\W_]+(?:[-/][^\W_]+)*")
_THOUSANDS = re.compile(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_FRACTION_DENOMINATORS = {2, 3, 4, 8, 16, 32, 64}


@dataclass(frozen=True)
class Quantity:
    """One number as written: `unit` is canonical ("GHz") or None for a bare count."""

    value: Fraction
    unit: str | None
    start: int
    end: int
    text: str

    @property
    def dimension(self) -> str | None:
        return _UNITS[self.unit][0] if self.unit in _UNITS else (self.unit and f"currency:{self.unit}")

    @property
    def base(self) -> Fraction:
        return self.value * _UNITS[self.unit][1] if self.unit in _UNITS else self.value

    def same_amount(self, other: Quantity) -> bool:
        return self.dimension == other.dimension and self.base == other.base


@dataclass(frozen=True)
class Code:
    """A run mixing letters and digits that is no number with a unit: a model, a part."""

    start: int
    end: int
    text: str


_UNIT_WORDS = frozenset(alias.lower() for _, _, aliases in _UNITS.values() for alias in aliases if alias.isalpha())


def is_unit(word: str) -> bool:
    """Whether `word` names a unit ("cm", "liters"), in any case."""
    return word.lower() in _UNIT_WORDS


def find_quantities(text: str) -> list[Quantity]:
    quantities = []
    for match in _GROUP.finditer(text):
        if match.group("word"):
            value = Fraction(_SPELLED.get(match.group("word").lower(), 1))
            raw_values, end = [value], match.end()
        else:
            raw = re.split(r"\s*(?:x|×|/|-|–|to|by)\s*", match.group("nums"), flags=re.IGNORECASE)
            raw_values, end = _values(raw, match.group("nums")), match.end()
        unit, unit_end = _unit_at(text, end)
        if match.group("cur"):
            unit, unit_end = _CURRENCIES[match.group("cur").strip()], end
        elif unit is None and end < len(text) and text[end].isalpha():
            continue  # digits glued to letters that are no unit: a code ("4K", "3rd")
        written = text[match.start():unit_end].strip()
        quantities += [Quantity(v, unit, match.start(), unit_end, written) for v in raw_values]
    return quantities


def find_codes(text: str, quantities: list[Quantity]) -> list[Code]:
    """Letter-digit runs outside the quantities: "LTO-8", "i7-12700K", "4K", "3rd"."""
    taken = [(q.start, q.end) for q in quantities]
    codes = []
    for match in _CODE.finditer(text):
        if not any(start <= match.start() < end or match.start() <= start < match.end() for start, end in taken):
            codes.append(Code(match.start(), match.end(), match.group(0)))
    return codes


def _values(raw: list[str], written: str) -> list[Fraction]:
    numbers = [_number(part) for part in raw]
    if len(numbers) == 2 and "/" in written and all(n.denominator == 1 for n in numbers):
        top, bottom = numbers
        if top < bottom and bottom in _FRACTION_DENOMINATORS:
            return [top / bottom]  # "1/2 in" is half an inch; "30/12TB" is two capacities
    return numbers


def _number(raw: str) -> Fraction:
    if _THOUSANDS.fullmatch(raw):
        return Fraction(raw.replace(",", ""))
    head, *rest = raw.replace(",", ".").split(".")
    return Fraction(f"{head}.{''.join(rest)}" if rest else head)


def _unit_at(text: str, position: int) -> tuple[str | None, int]:
    """The unit written at `position` (after at most one space or hyphen) and where it ends."""
    for skip in ("", " ", "-", " -", "- "):
        if not text.startswith(skip, position):
            continue
        at = position + len(skip)
        for alias, unit in _ALIASES:
            candidate = text[at:at + len(alias)]
            matches = candidate == alias if alias in _CASED else candidate.lower() == alias.lower()
            after = text[at + len(alias):]
            if not matches or (alias[-1].isalnum() and after[:1].isalnum()):
                continue
            if alias.lower() == "in" and _PREPOSITION_IN.match(after):
                continue
            if alias in ("'", "’") and after[:1].isalpha():
                continue  # an apostrophe, not feet ("90's")
            return unit, at + len(alias)
    return None, position
