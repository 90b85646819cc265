"""The sentences code writes into replies, in the customer's language.

Replies that carry a write or a summary (a cart change, an order summary, an order's status, what is
still needed) are written by code, never by the model: their figures must be exact and they must come
at once. Like any shop's interface text they are translated once, here, for the languages the
understanding stage recognises; the product names, prices and the owner's policy text stay as they are.
A missing translation falls back to English rather than failing.
"""

from __future__ import annotations

from typing import Any

_PHRASES: dict[str, dict[str, str]] = {
    "added": {
        "en": "Added {qty} × {name} ({price} each) to your cart.",
        "es": "He añadido {qty} × {name} ({price} cada uno) a tu carrito.",
        "fr": "J'ai ajouté {qty} × {name} ({price} l'unité) à votre panier.",
        "de": "{qty} × {name} ({price} pro Stück) liegt jetzt in Ihrem Warenkorb.",
        "it": "Ho aggiunto {qty} × {name} ({price} l'uno) al tuo carrello.",
        "pt": "Adicionei {qty} × {name} ({price} cada) ao seu carrinho.",
    },
    "set": {
        "en": "Your cart now has {qty} × {name}.",
        "es": "Ahora tu carrito tiene {qty} × {name}.",
        "fr": "Votre panier contient maintenant {qty} × {name}.",
        "de": "Ihr Warenkorb enthält jetzt {qty} × {name}.",
        "it": "Ora il tuo carrello ha {qty} × {name}.",
        "pt": "O seu carrinho agora tem {qty} × {name}.",
    },
    "removed": {
        "en": "Removed {name} from your cart.",
        "es": "He quitado {name} de tu carrito.",
        "fr": "J'ai retiré {name} de votre panier.",
        "de": "{name} ist nicht mehr in Ihrem Warenkorb.",
        "it": "Ho tolto {name} dal tuo carrello.",
        "pt": "Removi {name} do seu carrinho.",
    },
    "not_in_cart": {
        "en": "{name} is not in your cart.",
        "es": "{name} no está en tu carrito.",
        "fr": "{name} n'est pas dans votre panier.",
        "de": "{name} ist nicht in Ihrem Warenkorb.",
        "it": "{name} non è nel tuo carrello.",
        "pt": "{name} não está no seu carrinho.",
    },
    "cart": {
        "en": "Your cart:", "es": "Tu carrito:", "fr": "Votre panier :", "de": "Ihr Warenkorb:",
        "it": "Il tuo carrello:", "pt": "O seu carrinho:",
    },
    "cart_empty": {
        "en": "Your cart is empty.", "es": "Tu carrito está vacío.", "fr": "Votre panier est vide.",
        "de": "Ihr Warenkorb ist leer.", "it": "Il tuo carrello è vuoto.", "pt": "O seu carrinho está vazio.",
    },
    "subtotal": {"en": "Subtotal", "es": "Subtotal", "fr": "Sous-total", "de": "Zwischensumme", "it": "Subtotale",
                 "pt": "Subtotal"},
    "total": {"en": "Total", "es": "Total", "fr": "Total", "de": "Summe", "it": "Totale", "pt": "Total"},
    "free_shipping": {"en": "free shipping", "es": "envío gratis", "fr": "livraison offerte",
                      "de": "versandkostenfrei", "it": "spedizione gratuita", "pt": "envio grátis"},
    "next_step": {
        "en": "Anything else, or shall I prepare the order? Then I need your name, email and delivery address.",
        "es": "¿Algo más, o preparo el pedido? Para ello necesito tu nombre, tu email y la dirección de entrega.",
        "fr": "Autre chose, ou je prépare la commande ? Il me faut alors votre nom, votre e-mail et l'adresse de "
              "livraison.",
        "de": "Noch etwas, oder soll ich die Bestellung vorbereiten? Dafür brauche ich Ihren Namen, Ihre E-Mail und "
              "die Lieferadresse.",
        "it": "Altro, o preparo l'ordine? Mi servono il tuo nome, la tua email e l'indirizzo di consegna.",
        "pt": "Mais alguma coisa, ou preparo a encomenda? Preciso do seu nome, email e morada de entrega.",
    },
    "need": {
        "en": "To {task} I still need {what}.", "es": "Para {task} todavía necesito {what}.",
        "fr": "Pour {task}, il me faut encore {what}.", "de": "Um {task}, brauche ich noch {what}.",
        "it": "Per {task} mi serve ancora {what}.", "pt": "Para {task} ainda preciso de {what}.",
    },
    "task_order": {"en": "place your order", "es": "hacer tu pedido", "fr": "passer votre commande",
                   "de": "Ihre Bestellung aufzugeben", "it": "fare il tuo ordine", "pt": "fazer a sua encomenda"},
    "task_lookup": {"en": "look up your order", "es": "buscar tu pedido", "fr": "retrouver votre commande",
                    "de": "Ihre Bestellung zu finden", "it": "cercare il tuo ordine", "pt": "procurar a sua encomenda"},
    "task_cancel": {"en": "cancel your order", "es": "cancelar tu pedido", "fr": "annuler votre commande",
                    "de": "Ihre Bestellung zu stornieren", "it": "annullare il tuo ordine",
                    "pt": "cancelar a sua encomenda"},
    "task_human": {"en": "pass your message to the shop team", "es": "pasar tu mensaje al equipo",
                   "fr": "transmettre votre message à l'équipe", "de": "Ihre Nachricht ans Team weiterzugeben",
                   "it": "passare il tuo messaggio al team", "pt": "passar a sua mensagem à equipa"},
    "field_name": {"en": "your name", "es": "tu nombre", "fr": "votre nom", "de": "Ihren Namen",
                   "it": "il tuo nome", "pt": "o seu nome"},
    "field_email": {"en": "your email address", "es": "tu email", "fr": "votre adresse e-mail",
                    "de": "Ihre E-Mail-Adresse", "it": "il tuo indirizzo email", "pt": "o seu email"},
    "field_address": {"en": "the delivery address", "es": "la dirección de entrega",
                      "fr": "l'adresse de livraison", "de": "die Lieferadresse", "it": "l'indirizzo di consegna",
                      "pt": "a morada de entrega"},
    "field_order_id": {"en": "the order number (it starts with ORD-)",
                       "es": "el número de pedido (empieza por ORD-)",
                       "fr": "le numéro de commande (il commence par ORD-)",
                       "de": "die Bestellnummer (sie beginnt mit ORD-)",
                       "it": "il numero d'ordine (inizia con ORD-)",
                       "pt": "o número da encomenda (começa por ORD-)"},
    "field_order_email": {"en": "the email address the order was placed with",
                          "es": "el email con el que hiciste el pedido",
                          "fr": "l'adresse e-mail utilisée pour la commande",
                          "de": "die E-Mail-Adresse der Bestellung",
                          "it": "l'email usata per l'ordine", "pt": "o email usado na encomenda"},
    "and": {"en": "and", "es": "y", "fr": "et", "de": "und", "it": "e", "pt": "e"},
    "empty_cart_order": {
        "en": "Your cart is empty, so there is nothing to order yet. What would you like?",
        "es": "Tu carrito está vacío, así que todavía no hay nada que pedir. ¿Qué te gustaría?",
        "fr": "Votre panier est vide, il n'y a donc rien à commander. Que souhaitez-vous ?",
        "de": "Ihr Warenkorb ist leer, es gibt also noch nichts zu bestellen. Was darf es sein?",
        "it": "Il tuo carrello è vuoto, quindi non c'è ancora niente da ordinare. Cosa desideri?",
        "pt": "O seu carrinho está vazio, por isso ainda não há nada para encomendar. O que deseja?",
    },
    "which_product": {
        "en": "Which product do you mean? Tell me its name, or ask me to show you some first.",
        "es": "¿Qué producto quieres decir? Dime su nombre o pídeme que te enseñe algunos primero.",
        "fr": "De quel produit parlez-vous ? Donnez-moi son nom, ou demandez-moi d'abord de vous en montrer.",
        "de": "Welches Produkt meinen Sie? Nennen Sie mir den Namen, oder lassen Sie sich zuerst welche zeigen.",
        "it": "Quale prodotto intendi? Dimmi il nome, oppure chiedimi prima di mostrartene alcuni.",
        "pt": "Que produto quer dizer? Diga-me o nome, ou peça-me primeiro para lhe mostrar alguns.",
    },
    "sold_out": {
        "en": "Sorry, {name} is sold out at the moment.",
        "es": "Lo siento, {name} está agotado en este momento.",
        "fr": "Désolé, {name} est épuisé pour le moment.",
        "de": "Leider ist {name} im Moment ausverkauft.",
        "it": "Mi dispiace, {name} è esaurito al momento.",
        "pt": "Lamento, {name} está esgotado de momento.",
    },
    "short_stock": {
        "en": "Sorry, only {stock} × {name} left, so I could not add {qty}.",
        "es": "Lo siento, solo quedan {stock} × {name}, así que no he podido añadir {qty}.",
        "fr": "Désolé, il ne reste que {stock} × {name}, je n'ai donc pas pu en ajouter {qty}.",
        "de": "Leider sind nur noch {stock} × {name} da, deshalb konnte ich nicht {qty} hinzufügen.",
        "it": "Mi dispiace, restano solo {stock} × {name}, quindi non ho potuto aggiungerne {qty}.",
        "pt": "Lamento, só restam {stock} × {name}, por isso não consegui adicionar {qty}.",
    },
    "alternatives": {"en": "Similar products in stock:", "es": "Productos parecidos disponibles:",
                     "fr": "Produits similaires en stock :", "de": "Ähnliche Produkte auf Lager:",
                     "it": "Prodotti simili disponibili:", "pt": "Produtos semelhantes em stock:"},
    "found": {"en": "Here is what I found:", "es": "Esto es lo que he encontrado:", "fr": "Voici ce que j'ai trouvé :",
              "de": "Das habe ich gefunden:", "it": "Ecco cosa ho trovato:", "pt": "Encontrei isto:"},
    "nearest": {
        "en": "Nothing matches all of that ({what}). The nearest I have:",
        "es": "No hay nada que cumpla todo eso ({what}). Lo más parecido que tengo:",
        "fr": "Rien ne correspond à tout cela ({what}). Ce qui s'en rapproche le plus :",
        "de": "Nichts passt zu allem ({what}). Am nächsten kommt:",
        "it": "Niente corrisponde a tutto questo ({what}). Il più vicino che ho:",
        "pt": "Nada corresponde a tudo isso ({what}). O mais próximo que tenho:",
    },
    "nothing": {
        "en": "Sorry, I could not find a product like that in the shop. We sell {categories}.",
        "es": "Lo siento, no he encontrado un producto así en la tienda. Vendemos {categories}.",
        "fr": "Désolé, je n'ai pas trouvé de produit de ce genre. Nous vendons {categories}.",
        "de": "Leider habe ich so ein Produkt nicht gefunden. Wir führen {categories}.",
        "it": "Mi dispiace, non ho trovato un prodotto così nel negozio. Vendiamo {categories}.",
        "pt": "Lamento, não encontrei um produto assim na loja. Vendemos {categories}.",
    },
    "invite": {
        "en": "Hi! I can help you find products from our {categories}, fill your cart, place an order, check an "
              "order, or answer questions about shipping and returns. What are you looking for?",
        "es": "¡Hola! Puedo ayudarte a encontrar productos ({categories}), llenar el carrito, hacer o consultar un "
              "pedido, o responder sobre envíos y devoluciones. ¿Qué buscas?",
        "fr": "Bonjour ! Je peux vous aider à trouver des produits ({categories}), remplir votre panier, passer ou "
              "suivre une commande, ou répondre sur la livraison et les retours. Que cherchez-vous ?",
        "de": "Hallo! Ich helfe Ihnen, Produkte zu finden ({categories}), den Warenkorb zu füllen, zu bestellen, "
              "eine Bestellung zu prüfen oder Fragen zu Versand und Rückgabe zu beantworten. Was suchen Sie?",
        "it": "Ciao! Posso aiutarti a trovare prodotti ({categories}), riempire il carrello, fare o controllare un "
              "ordine, o rispondere su spedizioni e resi. Cosa cerchi?",
        "pt": "Olá! Posso ajudar a encontrar produtos ({categories}), encher o carrinho, fazer ou consultar uma "
              "encomenda, ou responder sobre envios e devoluções. O que procura?",
    },
    "decline": {
        "en": "Sorry, I can only help with {shop}: our {categories}, your cart, orders, shipping and returns. "
              "Is there something from the shop I can find for you?",
        "es": "Lo siento, solo puedo ayudarte con {shop}: {categories}, tu carrito, pedidos, envíos y "
              "devoluciones. ¿Busco algo de la tienda para ti?",
        "fr": "Désolé, je ne peux vous aider que pour {shop} : {categories}, votre panier, les commandes, la "
              "livraison et les retours. Puis-je vous trouver quelque chose dans la boutique ?",
        "de": "Tut mir leid, ich helfe nur bei {shop}: {categories}, Warenkorb, Bestellungen, Versand und "
              "Rückgabe. Darf ich Ihnen etwas aus dem Shop heraussuchen?",
        "it": "Mi dispiace, posso aiutarti solo con {shop}: {categories}, il carrello, gli ordini, le spedizioni "
              "e i resi. Posso cercarti qualcosa nel negozio?",
        "pt": "Lamento, só posso ajudar com {shop}: {categories}, o carrinho, encomendas, envios e devoluções. "
              "Posso procurar algo da loja para si?",
    },
    "confirm_first": {
        "en": 'Please check the summary above and reply "yes" to confirm it, or tell me what to change.',
        "es": 'Revisa el resumen de arriba y responde "sí" para confirmarlo, o dime qué cambiar.',
        "fr": 'Vérifiez le récapitulatif ci-dessus et répondez « oui » pour le confirmer, ou dites-moi quoi '
              'changer.',
        "de": 'Bitte prüfen Sie die Zusammenfassung oben und antworten Sie "ja", um sie zu bestätigen, oder sagen '
              'Sie mir, was ich ändern soll.',
        "it": 'Controlla il riepilogo qui sopra e rispondi "sì" per confermarlo, o dimmi cosa cambiare.',
        "pt": 'Verifique o resumo acima e responda "sim" para confirmar, ou diga-me o que mudar.',
    },
    "check_order": {"en": "Please check your order:", "es": "Revisa tu pedido:", "fr": "Vérifiez votre commande :",
                    "de": "Bitte prüfen Sie Ihre Bestellung:", "it": "Controlla il tuo ordine:",
                    "pt": "Verifique a sua encomenda:"},
    "deliver_to": {"en": "Deliver to", "es": "Entrega a", "fr": "Livraison à", "de": "Lieferung an",
                   "it": "Consegna a", "pt": "Entrega a"},
    "email_to": {"en": "Confirmation email to", "es": "Email de confirmación a", "fr": "E-mail de confirmation à",
                 "de": "Bestätigung per E-Mail an", "it": "Email di conferma a", "pt": "Email de confirmação para"},
    "confirm_order": {
        "en": 'Nothing is ordered yet. Reply "yes" to place the order, or tell me what to change.',
        "es": 'Todavía no se ha pedido nada. Responde "sí" para hacer el pedido, o dime qué cambiar.',
        "fr": "Rien n'est encore commandé. Répondez « oui » pour passer la commande, ou dites-moi quoi changer.",
        "de": 'Noch ist nichts bestellt. Antworten Sie "ja", um zu bestellen, oder sagen Sie mir, was ich ändern '
              'soll.',
        "it": 'Non è ancora stato ordinato niente. Rispondi "sì" per fare l\'ordine, o dimmi cosa cambiare.',
        "pt": 'Ainda nada foi encomendado. Responda "sim" para fazer a encomenda, ou diga-me o que mudar.',
    },
    "confirm_cancel_head": {
        "en": "Please confirm that you want to cancel order {order}:",
        "es": "Confirma que quieres cancelar el pedido {order}:",
        "fr": "Confirmez que vous voulez annuler la commande {order} :",
        "de": "Bitte bestätigen Sie, dass Sie die Bestellung {order} stornieren möchten:",
        "it": "Conferma che vuoi annullare l'ordine {order}:",
        "pt": "Confirme que quer cancelar a encomenda {order}:",
    },
    "confirm_cancel": {
        "en": 'Nothing is cancelled yet. Reply "yes" to cancel it, or tell me what to change.',
        "es": 'Todavía no se ha cancelado nada. Responde "sí" para cancelarlo.',
        "fr": "Rien n'est encore annulé. Répondez « oui » pour l'annuler.",
        "de": 'Noch ist nichts storniert. Antworten Sie "ja", um zu stornieren.',
        "it": 'Non è ancora stato annullato niente. Rispondi "sì" per annullarlo.',
        "pt": 'Ainda nada foi cancelado. Responda "sim" para cancelar.',
    },
    "confirm_wish": {
        "en": 'Add {name} ({price}) to your wishlist? Reply "yes" to confirm.',
        "es": '¿Añado {name} ({price}) a tu lista de deseos? Responde "sí" para confirmar.',
        "fr": "Ajouter {name} ({price}) à votre liste d'envies ? Répondez « oui » pour confirmer.",
        "de": '{name} ({price}) auf Ihre Wunschliste setzen? Antworten Sie "ja" zum Bestätigen.',
        "it": 'Aggiungo {name} ({price}) alla tua lista dei desideri? Rispondi "sì" per confermare.',
        "pt": 'Adiciono {name} ({price}) à sua lista de desejos? Responda "sim" para confirmar.',
    },
    "status_line": {
        "en": "Your order {order} is {status} (placed {date}). Items: {items}. Total: {total}.",
        "es": "Tu pedido {order} está {status} (hecho el {date}). Artículos: {items}. Total: {total}.",
        "fr": "Votre commande {order} est {status} (passée le {date}). Articles : {items}. Total : {total}.",
        "de": "Ihre Bestellung {order} ist {status} (bestellt am {date}). Artikel: {items}. Summe: {total}.",
        "it": "Il tuo ordine {order} è {status} (fatto il {date}). Articoli: {items}. Totale: {total}.",
        "pt": "A sua encomenda {order} está {status} (feita a {date}). Artigos: {items}. Total: {total}.",
    },
    "handoff_done": {
        "en": "I passed your message to the shop team. They will reply to {email} within one working day.",
        "es": "He pasado tu mensaje al equipo de la tienda. Te responderán a {email} en un día laborable.",
        "fr": "J'ai transmis votre message à l'équipe. Elle vous répondra à {email} sous un jour ouvré.",
        "de": "Ich habe Ihre Nachricht ans Team weitergegeben. Sie erhalten innerhalb eines Werktags eine Antwort "
              "an {email}.",
        "it": "Ho passato il tuo messaggio al team del negozio. Ti risponderanno a {email} entro un giorno "
              "lavorativo.",
        "pt": "Passei a sua mensagem à equipa da loja. Vão responder para {email} dentro de um dia útil.",
    },
}  # fmt: skip

STATUS_NAMES: dict[str, dict[str, str]] = {
    "pending": {"en": "pending", "es": "pendiente", "fr": "en attente", "de": "in Bearbeitung", "it": "in attesa",
                "pt": "pendente"},
    "confirmed": {"en": "confirmed", "es": "confirmado", "fr": "confirmée", "de": "bestätigt", "it": "confermato",
                  "pt": "confirmada"},
    "shipped": {"en": "shipped", "es": "enviado", "fr": "expédiée", "de": "versandt", "it": "spedito",
                "pt": "enviada"},
    "completed": {"en": "delivered", "es": "entregado", "fr": "livrée", "de": "zugestellt", "it": "consegnato",
                  "pt": "entregue"},
    "cancelled": {"en": "cancelled", "es": "cancelado", "fr": "annulée", "de": "storniert", "it": "annullato",
                  "pt": "cancelada"},
}  # fmt: skip

LANGUAGE_NAMES = {"en": "English", "es": "Spanish", "fr": "French", "de": "German", "it": "Italian",
                  "pt": "Portuguese"}  # fmt: skip


def say(key: str, lang: str, **values: Any) -> str:
    """The phrase `key` in `lang` (English when missing), filled with `values`."""
    table = _PHRASES[key]
    return table.get(lang, table["en"]).format(**values)


def listing(parts: list[str], lang: str) -> str:
    """ "a, b and c" in `lang`."""
    if len(parts) <= 1:
        return "".join(parts)
    return ", ".join(parts[:-1]) + f" {say('and', lang)} " + parts[-1]
