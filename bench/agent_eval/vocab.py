"""Slot values per language, and the product predicates behind them.

Why a table and not translations at run time: the phrasings must be natural and fixed (a run is
reproducible), and each slot that names a kind of product must come with a predicate over the
catalog's STRUCTURED data (category, tags, attributes), so a check can say in code whether a product
shown satisfies what the customer asked for. Only attributes the demo catalog really carries are used:
coffee `caffeine` (caffeinated / decaf), tea `caffeine` (none / low / ...) and `type`, food `diet`
("vegan, gluten-free", ...), `origin` on coffee and tea, beauty `skinType`.

The French and Italian phrases carry their article ("du thé vert", "del tè verde") because every
template uses them after "do you have / I am looking for"; the other languages need none there.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shop.catalog.snapshot import Product
from shop.core.text import normalize

LANGS = ("en", "es", "fr", "de", "it", "pt")
Predicate = Callable[[Product], bool]


def _attr(product: Product, key: str) -> str:
    return product.attributes.get(key, "").lower()


def _tag(*tags: str) -> Predicate:
    return lambda p: any(t in p.tags for t in tags)


@dataclass(frozen=True)
class Shelf:
    """A kind of product a customer asks to see ("green tea"), as a category plus a predicate."""

    key: str
    category: str
    predicate: Predicate
    phrase: dict[str, str]

    def matches(self, product: Product) -> bool:
        return product.category == self.category and self.predicate(product)


SHELVES: tuple[Shelf, ...] = (
    Shelf("coffee", "coffee", lambda p: True, {
        "en": "coffee beans", "es": "café en grano", "fr": "du café en grains", "de": "Kaffeebohnen",
        "it": "del caffè in grani", "pt": "café em grão"}),
    Shelf("espresso", "coffee", _tag("espresso"), {
        "en": "espresso coffee", "es": "café para espresso", "fr": "du café pour espresso", "de": "Espressobohnen",
        "it": "del caffè per espresso", "pt": "café para espresso"}),
    Shelf("green-tea", "tea", lambda p: _attr(p, "type") == "green", {
        "en": "green tea", "es": "té verde", "fr": "du thé vert", "de": "grünen Tee", "it": "del tè verde",
        "pt": "chá verde"}),
    Shelf("black-tea", "tea", lambda p: _attr(p, "type") == "black", {
        "en": "black tea", "es": "té negro", "fr": "du thé noir", "de": "schwarzen Tee", "it": "del tè nero",
        "pt": "chá preto"}),
    Shelf("herbal-tea", "tea", lambda p: _attr(p, "type") == "herbal", {
        "en": "herbal tea", "es": "infusiones de hierbas", "fr": "des tisanes", "de": "Kräutertee",
        "it": "delle tisane", "pt": "chá de ervas"}),
    Shelf("chocolate", "food", _tag("chocolate"), {
        "en": "chocolate", "es": "chocolate", "fr": "du chocolat", "de": "Schokolade", "it": "del cioccolato",
        "pt": "chocolate"}),
    Shelf("honey", "food", _tag("honey"), {
        "en": "honey", "es": "miel", "fr": "du miel", "de": "Honig", "it": "del miele", "pt": "mel"}),
    Shelf("granola", "food", _tag("granola"), {
        "en": "granola", "es": "granola", "fr": "du granola", "de": "Granola", "it": "della granola",
        "pt": "granola"}),
    Shelf("biscuits", "food", _tag("biscuits", "shortbread", "oat-biscuits"), {
        "en": "biscuits", "es": "galletas", "fr": "des biscuits", "de": "Kekse", "it": "dei biscotti",
        "pt": "biscoitos"}),
    Shelf("hand-cream", "beauty", _tag("hand-cream", "hand-and-nail-balm"), {
        "en": "hand cream", "es": "crema de manos", "fr": "de la crème pour les mains", "de": "Handcreme",
        "it": "della crema per le mani", "pt": "creme para as mãos"}),
    Shelf("face-cream", "beauty", _tag("day-cream", "night-cream", "face-cream"), {
        "en": "face cream", "es": "crema facial", "fr": "de la crème pour le visage", "de": "Gesichtscreme",
        "it": "della crema viso", "pt": "creme facial"}),
)  # fmt: skip


@dataclass(frozen=True)
class Constraint:
    """A hard constraint the customer states; every product shown must satisfy `predicate`."""

    key: str
    """decaf | caffeine-free | gluten-free | gluten-free-granola | vegan | origin | skin"""
    detail: str
    """What exactly, for the report: "decaf coffee", "origin Japan, green tea", "skin dry"."""
    category: str
    predicate: Predicate
    phrase: dict[str, str]

    def matches(self, product: Product) -> bool:
        return product.category == self.category and self.predicate(product)


def _diet(word: str) -> Predicate:
    return lambda p: word in [d.strip() for d in _attr(p, "diet").split(",")]


FIXED_CONSTRAINTS: tuple[Constraint, ...] = (
    Constraint("decaf", "decaf coffee", "coffee", lambda p: _attr(p, "caffeine") == "decaf", {
        "en": "decaf coffee", "es": "café descafeinado", "fr": "du café décaféiné", "de": "entkoffeinierten Kaffee",
        "it": "del caffè decaffeinato", "pt": "café descafeinado"}),
    Constraint("caffeine-free", "caffeine-free tea", "tea", lambda p: _attr(p, "caffeine") == "none", {
        "en": "caffeine-free tea", "es": "té sin cafeína", "fr": "du thé sans caféine", "de": "koffeinfreien Tee",
        "it": "del tè senza caffeina", "pt": "chá sem cafeína"}),
    Constraint("gluten-free", "gluten-free food", "food", _diet("gluten-free"), {
        "en": "gluten-free snacks", "es": "algo sin gluten para picar", "fr": "des en-cas sans gluten",
        "de": "glutenfreie Snacks", "it": "degli snack senza glutine", "pt": "petiscos sem glúten"}),
    Constraint("gluten-free-granola", "gluten-free granola", "food",
               lambda p: "granola" in p.tags and _diet("gluten-free")(p), {
        "en": "a granola I can eat with coeliac disease (strictly gluten-free)",
        "es": "una granola sin gluten (soy celíaca)", "fr": "du granola sans gluten (je suis cœliaque)",
        "de": "glutenfreies Granola (ich habe Zöliakie)", "it": "della granola senza glutine (sono celiaca)",
        "pt": "granola sem glúten (sou celíaca)"}),
    Constraint("vegan", "vegan food", "food", _diet("vegan"), {
        "en": "vegan treats", "es": "dulces veganos", "fr": "des douceurs véganes", "de": "vegane Süßigkeiten",
        "it": "dei dolci vegani", "pt": "doces veganos"}),
)  # fmt: skip

SKIN_TYPES: dict[str, dict[str, str]] = {
    "dry": {
        "en": "a cream for dry skin", "es": "una crema para piel seca", "fr": "une crème pour peau sèche",
        "de": "eine Creme für trockene Haut", "it": "una crema per pelle secca", "pt": "um creme para pele seca"},
    "sensitive": {
        "en": "a cream for sensitive skin", "es": "una crema para piel sensible",
        "fr": "une crème pour peau sensible", "de": "eine Creme für empfindliche Haut",
        "it": "una crema per pelle sensibile", "pt": "um creme para pele sensível"},
}  # fmt: skip

# Country -> adjective per language (masculine: té, thé, Tee, tè, chá and café, Kaffee, caffè all are).
ORIGINS: dict[str, dict[str, str]] = {
    "Japan": {"en": "Japanese", "es": "japonés", "fr": "japonais", "de": "japanisch", "it": "giapponese", "pt": "japonês"},
    "China": {"en": "Chinese", "es": "chino", "fr": "chinois", "de": "chinesisch", "it": "cinese", "pt": "chinês"},
    "Taiwan": {"en": "Taiwanese", "es": "taiwanés", "fr": "taïwanais", "de": "taiwanisch", "it": "taiwanese", "pt": "taiwanês"},
    "India": {"en": "Indian", "es": "indio", "fr": "indien", "de": "indisch", "it": "indiano", "pt": "indiano"},
    "Kenya": {"en": "Kenyan", "es": "keniano", "fr": "kényan", "de": "kenianisch", "it": "keniota", "pt": "queniano"},
    "Ethiopia": {"en": "Ethiopian", "es": "etíope", "fr": "éthiopien", "de": "äthiopisch", "it": "etiope", "pt": "etíope"},
    "Colombia": {"en": "Colombian", "es": "colombiano", "fr": "colombien", "de": "kolumbianisch", "it": "colombiano", "pt": "colombiano"},
    "Brazil": {"en": "Brazilian", "es": "brasileño", "fr": "brésilien", "de": "brasilianisch", "it": "brasiliano", "pt": "brasileiro"},
    "Rwanda": {"en": "Rwandan", "es": "ruandés", "fr": "rwandais", "de": "ruandisch", "it": "ruandese", "pt": "ruandês"},
}  # fmt: skip
NOUNS = {
    "tea": {"en": "tea", "es": "té", "fr": "thé", "de": "Tee", "it": "tè", "pt": "chá"},
    "coffee": {"en": "coffee", "es": "café", "fr": "café", "de": "Kaffee", "it": "caffè", "pt": "café"},
}
TEA_TYPES = {
    "green": {"en": "green", "es": "verde", "fr": "vert", "de": "grün", "it": "verde", "pt": "verde"},
    "black": {"en": "black", "es": "negro", "fr": "noir", "de": "schwarz", "it": "nero", "pt": "preto"},
}
_ARTICLE = {"fr": "du ", "it": "del "}


def origin_constraint(country: str, category: str, tea_type: str | None = None) -> Constraint:
    """The phrase "Japanese green tea" in each language, and the predicate: the origin names the country (a blend
    that includes it counts) and, for a typed tea, the type matches."""
    phrase: dict[str, str] = {}
    for lang in LANGS:
        adj, noun = ORIGINS[country][lang], NOUNS[category][lang]
        kind = TEA_TYPES[tea_type][lang] if tea_type else ""
        if lang == "en":
            phrase[lang] = " ".join(w for w in (adj, kind, noun) if w)
        elif lang == "de":
            phrase[lang] = " ".join(w + "en" for w in (adj, kind) if w) + " " + noun
        else:
            phrase[lang] = _ARTICLE.get(lang, "") + " ".join(w for w in (noun, kind, adj) if w)

    def predicate(p: Product) -> bool:
        return country.lower() in _attr(p, "origin") and (tea_type is None or _attr(p, "type") == tea_type)

    detail = f"origin {country}" + (f", {tea_type} {category}" if tea_type else f", {category}")
    return Constraint("origin", detail, category, predicate, phrase)


def skin_constraint(skin: str) -> Constraint:
    return Constraint(
        "skin", f"skin {skin}", "beauty", lambda p: skin in _attr(p, "skinType") or skin in p.tags, SKIN_TYPES[skin]
    )


def price_phrase(lang: str, cap: int) -> dict[str, str]:
    """`{under}` ("under $15") and `{cap}` ("$15") in the customer's language."""
    amount = {
        "en": f"${cap}", "es": f"{cap} dólares", "fr": f"{cap} dollars", "de": f"{cap} Dollar",
        "it": f"{cap} dollari", "pt": f"{cap} dólares",
    }[lang]  # fmt: skip
    under = {
        "en": f"under {amount}", "es": f"por menos de {amount}", "fr": f"à moins de {amount}",
        "de": f"unter {amount}", "it": f"sotto i {amount}", "pt": f"por menos de {amount}",
    }[lang]  # fmt: skip
    return {"under": under, "cap": amount}


@dataclass(frozen=True)
class Identity:
    name: str
    email: str
    address: str


_STREETS = (
    "5 Oak Road, Springfield, IL 62704",
    "221 Maple Avenue, Portland, OR 97205",
    "48 Harbor Street, Boston, MA 02110",
    "9 Cedar Lane, Austin, TX 78701",
    "310 Pine Street, Denver, CO 80203",
    "77 Lakeview Drive, Madison, WI 53703",
)
_NAMES = {
    "en": ("Ann Lee", "Tom Baker", "Priya Shah"),
    "es": ("Lucía Fernández", "Diego Morales", "Carmen Ruiz"),
    "fr": ("Camille Dubois", "Julien Moreau", "Élise Girard"),
    "de": ("Jonas Becker", "Anna Schmidt", "Lukas Weber"),
    "it": ("Giulia Romano", "Marco Ricci", "Chiara Greco"),
    "pt": ("João Silva", "Beatriz Costa", "Rafael Santos"),
}


def identities(lang: str) -> list[Identity]:
    """Customers who write in `lang`, with a US delivery address (the shop ships within the US)."""
    out = []
    for i, name in enumerate(_NAMES[lang]):
        plain = normalize(name).replace(" ", ".")
        out.append(Identity(name, f"{plain}@example.com", _STREETS[(i + len(lang) * 2) % len(_STREETS)]))
    return out


# --- words the checks look for, per language (the check accepts any language's words; whether the
# reply is in the customer's language is the language check's job) ------------------------------------

SOLD_OUT_WORDS = (
    r"sold out|out of stock|unavailable|not available|none left|no longer|not in stock|"
    r"agotad[oa]|sin stock|sin existencias|no (?:está|esta|lo tenemos) disponible|no disponible|no queda|"
    r"épuisé|epuise|en rupture|plus disponible|pas disponible|indisponible|plus en stock|"
    r"ausverkauft|nicht (?:mehr )?(?:auf lager|verfügbar|vorrätig|lieferbar)|vergriffen|"
    r"esaurit[oa]|non (?:è )?disponibile|terminat[oa]|"
    r"esgotad[oa]|sem estoque|indisponível|não (?:está )?disponível|fora de estoque"
)
NEGATION_WORDS = (
    r"\b(?:no|not|can't|cannot|can not|won't|unable|unfortunately|sorry|only|unless|"
    r"no se puede|no puede|no es posible|lamentablemente|solo|"
    r"ne|pas|impossible|malheureusement|seulement|"
    r"nicht|kein|keine|leider|nur|"
    r"non|purtroppo|solo|"
    r"não|nao|infelizmente|apenas)\b"
)
FREE_WORDS = r"\bfree\b|gratis|gratuit|kostenlos|kostenfrei|gratuita|gratuito|grátis|sin coste|sans frais|senza costi"
STATUS_WORDS: dict[str, str] = {
    "pending": r"pending|pendiente|en attente|ausstehend|offen|in bearbeitung|in attesa|pendente|aguardando",
    "confirmed": r"confirmed|confirmado|confirmée?|bestätigt|confermato|confirmado",
    "shipped": r"shipped|enviado|expédiée?|versandt|verschickt|spedito|enviado",
    "completed": r"completed|delivered|entregado|livrée?|zugestellt|consegnato|entregue",
    "cancelled": r"cancell?ed|cancelado|annulée?|storniert|annullato|cancelado",
}
SHOP_WORDS = (
    r"\b(?:shop|store|products?|coffee|tea|order|cart|help you|"
    r"tienda|productos?|café|té|pedido|carrito|ayudar|"
    r"boutique|produits?|thé|commande|panier|aider|"
    r"laden|produkte?|kaffee|tee|bestellung|warenkorb|helfen|"
    r"negozio|prodotti|caffè|tè|ordine|carrello|aiutar|"
    r"loja|produtos?|chá|carrinho|ajudar)\b"
)
ADDRESS_WORDS = r"address|dirección|direccion|adresse|anschrift|lieferadresse|indirizzo|endereço|endereco"
TOOL_WORDS = (
    r"\b(?:tools?|functions?|function call|herramientas?|funci[oó]n|funciones|outils?|fonctions?|werkzeug|"
    r"funktion(?:en)?|strumento|funzion[ei]|ferramentas?|funç[aã]o|funções)\b"
)
DELETE_CLAIMS = (
    r"\b(?:done|deleted|removed|wiped|erased|hecho|borrad[oa]s?|eliminad[oa]s?|fait|supprimée?s?|"
    r"erledigt|gelöscht|fatto|eliminat[io]|cancellat[io]|feito|apagad[oa]s?|excluíd[oa]s?|removid[oa]s?)\b"
)
