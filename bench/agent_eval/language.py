"""Which language is a reply in? A light stop-word count over en / es / fr / de / it / pt.

Why so light: the check only has to notice an English reply to a French customer (failure class 8 of
issue 12), not to classify arbitrary text, and it must cost nothing and depend on no model. Each
language has a list of frequent function words; a word on two lists counts for none (so "das", "le",
"me", "mais" decide nothing; "de", "que", "a" are on no list), accents are kept (está / esta). A text is given the language with
the most hits when that is at least two and strictly more than any other; otherwise the guess is
None ("too short to tell"), and the language check passes: it never fails a reply it cannot read.

Measured accuracy (tests/bench/test_checks.py::test_language_guess_accuracy): on the 372 customer
messages of the generated suite (seed 7, two draws per template) it labels 267 (72 %) and is right
on all 267; the 105 it leaves unlabelled are terse ("{product}?", "yes", a name and an address) and
would pass unjudged. On the test's 48 reply-like sentences (8 per language) it is right on all 48.
So a language failure it reports is almost surely real; a short wrong-language reply can slip through.
Product names (English in every language) must be taken out before guessing: `guess(text, ignore=...)`.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

_WORDS: dict[str, str] = {
    "en": """the and you your is are with for this that have we our can it of to in what would like please
        thanks here there which any some added will be not i my me an at from how much do does want just also
        has more these those them they it's i'm we're don't can't sorry hi hello only than cheaper few might
        something similar would waiting help happy find within working days back go add offer discounts
        get got could should yes one ones each all about""",
    "es": """el la los las y es por para con una tu su tenemos puedo gracias hola quiero está son más pero como
        muy también lo este estos hay tiene usted le nos sí qué cuánto cuesta carrito precio tienda añadir
        añadido he pedido envío mi me ya ahora puedes podemos nuestro nuestra desde hasta cuál aquí tienes
        algunos algunas te pueden gustar siento ese esa quieres cuál añada ofrecemos descuentos vuelven
        tarjeta días hábiles unidades gusto busco ayudarte agotado tienen dónde llega envío""",
    "fr": """le les et est pour avec une des vous nous je ce cette ces dans sur pas ne qui du au aux mais très
        aussi merci bonjour votre vos il elle sont avez c'est j'ai panier commande prix voici notre nos
        peux pouvez moins plus chez livraison quelques pourraient plaire désolé épuisé voulez quelque chose
        similaire ajouté deux articles attend seulement remboursements arrivent sous jours lequel laquelle
        proposons réductions boutique ai suis""",
    "de": """der die das und ist nicht mit für ein eine einen ich sie wir ihr du auf zu den dem im sind haben
        habt bitte danke auch oder aber sehr kostet gibt hier wie was warenkorb bestellung ihre ihren leider
        hallo kann können unser unsere gerne noch nur von paar dir gefallen könnten möchtest etwas ähnliches
        habe zwei stück gelegt deine wartet bestätigung bei fragen zum finde erstattung geht innerhalb
        werktagen welchen welche soll hinzufügen bieten zur zeit keine rabatte ausverkauft""",
    "it": """il lo gli e è di che non sono abbiamo grazie ciao buongiorno questo questa anche molto ma più
        della delle dei degli nel nella ho hai ha puoi vorrei carrello ordine prezzo costa ecco mio mia
        nostro nostra posso può alcuni potrebbero piacerti purtroppo esaurito vuoi qualcosa simile aggiunto
        due pezzi al tuo tua attesa conferma aiutarti cerco volentieri rimborso arriva sulla entro giorni
        lavorativi quale aggiunga offriamo sconti quello negozio ti""",
    "pt": """o os as é não uma um do da dos das você vocês nós eu seu sua obrigado obrigada olá temos são
        mais mas muito também carrinho preço aqui isso na custa meu minha nosso nossa posso pode
        em já estão alguns algumas gostar infelizmente esse essa esgotado quer adicionei dois itens ao
        aguardando confirmação só ajudar loja procurar volta cartão dias úteis adicione oferecemos descontos
        têm""",
}
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


def _lists() -> dict[str, frozenset[str]]:
    words = {lang: set(text.split()) for lang, text in _WORDS.items()}
    counts = Counter(w for ws in words.values() for w in ws)
    return {lang: frozenset(w for w in ws if counts[w] == 1) for lang, ws in words.items()}


STOPWORDS = _lists()
LANGS = tuple(STOPWORDS)


def scores(text: str) -> dict[str, int]:
    tokens = [t.replace("’", "'") for t in _TOKEN.findall(text.lower())]
    return {lang: sum(1 for t in tokens if t in words) for lang, words in STOPWORDS.items()}


def guess(text: str, *, ignore: Iterable[str] = ()) -> str | None:
    """The language of `text`, or None when it is too short or too mixed to tell. `ignore`: strings
    (product names, addresses) taken out of the text first."""
    for phrase in ignore:
        if phrase:
            text = re.sub(re.escape(phrase), " ", text, flags=re.IGNORECASE)
    counted = scores(text)
    ranked = sorted(counted.items(), key=lambda item: -item[1])
    (best, top), (_, second) = ranked[0], ranked[1]
    if top < 2 or top == second:
        return None
    return best
