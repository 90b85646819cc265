"""Is this message an explicit "yes" (or "no") to the pending action? Decided by a small matcher, not the model.

Deliberately narrow: a message counts as yes only when EVERY word in it is affirmative or filler ("yes",
"ok do it", "yes please place the order") and it holds no word that hedges or changes something
("yes but change the address", "yes, 3 of them", "not yet"). A missed yes costs the customer one more
click on Confirm; a false yes would place an order they did not mean, so every doubt is a no-match.
"""

from __future__ import annotations

import re

_CORE = {
    "yes", "yeah", "yea", "yep", "yup", "y", "sure", "ok", "okay", "k", "confirm", "confirmed", "correct",
    "absolutely", "definitely", "affirmative", "agreed", "proceed", "perfect", "great", "fine", "👍", "✅",
    # es / fr / de / it / pt: the understanding stage recognises these languages, so a yes in them counts
    "sí", "si", "vale", "claro", "confirmo", "perfecto", "oui", "d'accord", "parfait", "ja", "genau", "klar",
    "passt", "sì", "certo", "perfetto", "confermo", "sim", "perfeito", "confirma", "confirmado", "confirmé",
    "bestätigt", "confermato",
}  # fmt: skip
_PHRASES = ("do it", "go ahead", "place it", "place the order", "sounds good", "looks good", "that's right")
_FILLER = {
    "please", "pls", "thanks", "thank", "you", "thx", "do", "it", "that", "go", "ahead", "the", "order", "place",
    "is", "looks", "look", "good", "sounds", "all", "right", "lets", "let's", "let", "us", "thats", "that's", "i",
    "now", "and", "yes", "sir", "mate", "buy", "them", "for", "with", "a", "so", "very", "much", "indeed",
    "exactly", "true", "this",
    "por", "favor", "adelante", "hazlo", "el", "lo", "pedido", "gracias", "está", "bien", "todo", "correcto",
    "s'il", "vous", "plaît", "plait", "merci", "c'est", "bon", "la", "commande", "allez", "y", "tout", "est",
    "bitte", "danke", "das", "ist", "richtig", "gut", "alles", "die", "bestellung", "mach", "es",
    "per", "favore", "grazie", "va", "bene", "procedi", "pure", "l'ordine", "ordine", "tutto", "giusto",
    "obrigado", "obrigada", "pode", "avançar", "encomenda", "certo", "tudo",
}  # fmt: skip
_KIND_WORDS = {
    "cancel_order": {"cancel", "cancelled", "canceled", "cancellation"},
    "wishlist_add": {"add", "save", "wishlist"},
    "cart_add": {"add", "cart", "basket", "them", "all"},
    "place_order": {"buy", "purchase", "checkout", "submit"},
    "return_request": {"return", "request", "refund", "exchange", "send", "back"},
}
_NO_CORE = {"no", "nope", "nah", "don't", "dont", "stop", "never", "abort", "negative", "non", "nein", "não", "nao"}
_NO_FILLER = {
    "no",
    "thanks",
    "thank",
    "you",
    "not",
    "now",
    "please",
    "mind",
    "never",
    "it",
    "that",
    "do",
    "don't",
    "dont",
    "wait",
    "yet",
    "sorry",
    "actually",
    "keep",
    "changed",
    "my",
    "gracias", "merci", "danke", "grazie", "obrigado", "obrigada", "todavía", "pas", "encore", "noch", "nicht",
    "ancora", "ainda",
}  # fmt: skip
_HEDGES = {"but", "pero", "mais", "aber", "ma", "mas", "wait", "change", "instead", "not", "nicht", "pas", "non"}
"""Words that make a yes conditional ("yes but ...") or change it: never a confirmation."""
_WORD = re.compile(r"[\w']+|[👍✅]")


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower().replace("’", "'"))


def is_yes(text: str, kind: str = "place_order") -> bool:
    """True only for an unhedged confirmation of the pending action of this `kind`."""
    words = _words(text)
    if not words or len(words) > 8 or any(ch.isdigit() for ch in text):
        return False
    allowed = _CORE | _FILLER | _KIND_WORDS.get(kind, set())
    if any(word not in allowed for word in words):
        return False
    lowered = " ".join(words)
    return bool(_CORE & set(words)) or any(phrase in lowered for phrase in _PHRASES)


def leans_yes(text: str) -> bool:
    """The message holds an affirmative word of any of our languages and no refusal, hedge or number,
    though other words too ("Ja, bitte bestellen", "Sim, pode fechar o pedido"): not a yes by itself.
    For a pending order it lets the understanding stage decide; the order is placed only if the typed
    request is that same checkout with nothing new (agent.customer_turn.confirms_order)."""
    words = _words(text)
    if not words or len(words) > 12 or any(ch.isdigit() for ch in text):
        return False
    return bool(_CORE & set(words)) and not (_NO_CORE | _HEDGES) & set(words)


def is_no(text: str, kind: str = "place_order") -> bool:
    """True for a plain refusal ("no", "no thanks", "don't"); "cancel" also refuses a pending order."""
    words = _words(text)
    if not words or len(words) > 6:
        return False
    core = _NO_CORE | ({"cancel"} if kind != "cancel_order" else set())
    allowed = _NO_FILLER | core
    return all(word in allowed for word in words) and bool(core & set(words))
