"""Spoken readouts: gTTS (MP3) when Google answers, espeak-ng (WAV) offline otherwise.

A readout must always exist, so the offline engine is the floor, not an option.
"""

from __future__ import annotations

import hashlib
import logging
import re
import subprocess
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

log = logging.getLogger(__name__)

# Seconds to wait before each retry of a rate-limited (429) gTTS request.
GTTS_BACKOFF = (0.5, 1.0, 2.0)
GTTS_TIMEOUT = 10
ESPEAK_TIMEOUT = 30
ESPEAK_VOICES = {"en": "en-us", "fr": "fr-fr", "pt": "pt-br"}

PHRASES = {
    "en": ("The number is {}.", "The numbers are {}.", "Line {}: {}."),
    "es": ("El número es {}.", "Los números son {}.", "Línea {}: {}."),
    "fr": ("Le nombre est {}.", "Les nombres sont {}.", "Ligne {} : {}."),
    "de": ("Die Zahl ist {}.", "Die Zahlen sind {}.", "Zeile {}: {}."),
    "it": ("Il numero è {}.", "I numeri sono {}.", "Riga {}: {}."),
    "pt": ("O número é {}.", "Os números são {}.", "Linha {}: {}."),
    "nl": ("Het getal is {}.", "De getallen zijn {}.", "Regel {}: {}."),
}
NOTHING_READ = {
    "en": "No number was found.",
    "es": "No se encontró ningún número.",
    "fr": "Aucun nombre n'a été trouvé.",
    "de": "Es wurde keine Zahl gefunden.",
    "it": "Nessun numero trovato.",
    "pt": "Nenhum número foi encontrado.",
    "nl": "Er is geen getal gevonden.",
}


class ReadoutFailed(RuntimeError):
    """Neither gTTS nor the offline engine produced audio."""


# --- Text


# How each sign is said digit by digit ("-12" -> "minus 1 2"), per language.
SIGN_WORDS = {
    "en": {"-": "minus", ".": "point", "/": "over"},
    "es": {"-": "menos", ".": "coma", "/": "entre"},
    "fr": {"-": "moins", ".": "virgule", "/": "sur"},
    "de": {"-": "minus", ".": "Komma", "/": "durch"},
    "it": {"-": "meno", ".": "virgola", "/": "fratto"},
    "pt": {"-": "menos", ".": "vírgula", "/": "sobre"},
    "nl": {"-": "min", ".": "komma", "/": "gedeeld door"},
}
NUMBER_RE = re.compile(r"^(-?)(\d+)(?:\.(\d+)|/(\d+))?$")


def spoken_digits(number: str, language: str = "en") -> str:
    """'427' -> '4 2 7', '-3.5' -> 'minus 3 point 5': digit by digit, so a listener can write it down."""
    words = SIGN_WORDS.get(language, SIGN_WORDS["en"])
    return " ".join(words.get(ch, ch) for ch in str(number) if not ch.isspace())


def spelled(number: str, language: str) -> str:
    """'427' -> 'four hundred and twenty-seven', '-12' -> 'minus twelve', '3.5' -> 'three point
    five', '3/4' -> 'three quarters'; '' when that would mislead (leading zero, huge)."""
    match = NUMBER_RE.match(str(number))
    if not match:
        return ""
    sign, whole, decimals, denominator = match.groups()
    if (len(whole) > 1 and whole.startswith("0")) or len(whole) > 9:
        return ""
    try:
        from num2words import num2words

        if denominator is not None:
            return _fraction_words(sign, int(whole), denominator, language, num2words)
        value = Decimal(f"{whole}.{decimals}") if decimals is not None else int(whole)
        # The sign is ours to say: num2words drops it below one ("-0.5" -> "zero point five").
        minus = f"{SIGN_WORDS.get(language, SIGN_WORDS['en'])['-']} " if sign else ""
        return minus + num2words(value, lang=language)
    except (NotImplementedError, ImportError, OverflowError, ValueError):
        return ""


def _fraction_words(sign: str, top: int, bottom: str, language: str, num2words) -> str:
    """'three quarters' in English; elsewhere 'trois sur quatre' (ordinals as denominators are
    too irregular across languages to build safely)."""
    words = SIGN_WORDS.get(language, SIGN_WORDS["en"])
    minus = f"{words['-']} " if sign else ""
    if len(bottom) > 1 and bottom.startswith("0") or int(bottom) == 0:
        return ""
    below = int(bottom)
    if language == "en" and 2 <= below <= 20:
        name = {2: "half", 4: "quarter"}.get(below) or num2words(below, to="ordinal")
        plural = "halves" if below == 2 else f"{name}s"
        return f"{minus}{num2words(top)} {name if top == 1 else plural}"
    return f"{minus}{num2words(top, lang=language)} {words['/']} {num2words(below, lang=language)}"


def readout_text(lines: list[list[str]], language: str = "en", spell: bool = True) -> str:
    """Numbers grouped by line -> the sentence to speak, in the teacher's language."""
    one, many, line_phrase = PHRASES.get(language, PHRASES["en"])
    lines = [[n for n in line if n] for line in lines]
    lines = [line for line in lines if line]
    if not lines:
        return NOTHING_READ.get(language, NOTHING_READ["en"])
    if len(lines) == 1 and len(lines[0]) == 1:
        number = lines[0][0]
        words = spelled(number, language) if spell else ""
        return one.format(spoken_digits(number, language) + (f", {words}" if words else ""))
    if len(lines) == 1:
        return many.format(", ".join(spoken_digits(n, language) for n in lines[0]))
    return " ".join(
        line_phrase.format(i, ", ".join(spoken_digits(n, language) for n in line))
        for i, line in enumerate(lines, 1)
    )


def lines_of(result: dict) -> list[list[str]]:
    """A reader result's numbers grouped by their line, in reading order."""
    grouped: dict[int, list[str]] = {}
    for item in result.get("numbers") or []:
        grouped.setdefault(int(item.get("line", 0)), []).append(str(item["number"]))
    return [grouped[key] for key in sorted(grouped)]


# --- Speech


def make_readout(text: str, language: str) -> tuple[bytes, str, str]:
    """Speak `text`: (audio bytes, content type, engine). Raises ReadoutFailed if no engine works."""
    if settings.DIGITSIGHT_TTS != "offline":
        try:
            return gtts_mp3(text, language), "audio/mpeg", "gtts"
        except Exception as exc:  # gTTS raises several kinds; any of them means "go offline"
            log.warning("gTTS failed (%s); using espeak-ng", exc)
    try:
        return espeak_wav(text, language), "audio/wav", "espeak-ng"
    except (OSError, subprocess.SubprocessError) as exc:
        raise ReadoutFailed(f"no speech engine worked: {exc}") from exc


def gtts_mp3(text: str, language: str) -> bytes:
    """MP3 from gTTS, cached in media storage by (text, language) so Google is asked once."""
    key = hashlib.sha256(f"{language}\n{text}".encode()).hexdigest()
    path = f"tts-cache/{language}/{key}.mp3"
    if default_storage.exists(path):
        with default_storage.open(path, "rb") as handle:
            return handle.read()
    data = _gtts_with_backoff(text, language)
    default_storage.save(path, ContentFile(data))
    return data


def _gtts_with_backoff(text: str, language: str) -> bytes:
    from gtts import gTTS, gTTSError

    for delay in (*GTTS_BACKOFF, None):
        try:
            return _gtts_once(gTTS, text, language)
        except gTTSError as exc:
            status = getattr(getattr(exc, "rsp", None), "status_code", None)
            if status != 429 or delay is None:
                raise
            log.info("gTTS rate-limited; retrying in %.1fs", delay)
            time.sleep(delay)
    raise AssertionError("unreachable")


def _gtts_once(gtts_class, text: str, language: str) -> bytes:
    chunks = list(gtts_class(text, lang=language, timeout=GTTS_TIMEOUT).stream())
    data = b"".join(chunks)
    if not data:
        raise ValueError("gTTS returned no audio")
    return data


def espeak_wav(text: str, language: str) -> bytes:
    """WAV from espeak-ng, written to a file so the RIFF header carries real sizes."""
    voice = ESPEAK_VOICES.get(language, language)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "readout.wav"
        command = ["espeak-ng", "-v", voice, "-s", "140", "-w", str(out), "--stdin"]
        subprocess.run(command, input=text.encode(), check=True, timeout=ESPEAK_TIMEOUT, capture_output=True)
        data = out.read_bytes()
    if not data.startswith(b"RIFF"):
        raise OSError("espeak-ng produced no WAV audio")
    return data
