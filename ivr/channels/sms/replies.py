"""What the service answers a text message, French first, then English. Kept within the
GSM-7 alphabet (no ê, ç, œ, typographic quotes) so each reply costs one or two SMS."""

from __future__ import annotations

from ivr.domain.phone import display_phone

REPLIES = {
    "stop": (
        "Information ITUM : vous ne recevrez plus nos textos à ce numéro, alertes "
        "d'urgence comprises. Les appels et courriels que vous avez choisis continuent. "
        "Répondez DEBUT pour les reprendre. / No more texts to this number, emergency "
        "alerts included. Calls and emails you chose continue. Reply START to resume."
    ),
    "start": (
        "Information ITUM : les textos d'alerte reprennent à ce numéro. / Alert texts "
        "resume at this number."
    ),
    "help": (
        "Information ITUM : alertes d'urgence de Uashat mak Mani-utenam. Bureau : {office}. "
        "Répondez OUI pour confirmer une alerte, ARRET pour ne plus recevoir de textos. / "
        "Emergency alerts from ITUM. Office: {office}. Reply YES to confirm an alert, "
        "STOP to end texts."
    ),
    "confirmed": (
        "Information ITUM : merci, votre confirmation est enregistrée. / Thank you, your "
        "confirmation is recorded."
    ),
    "nothing_to_confirm": (
        "Information ITUM : aucune alerte récente à confirmer. / No recent alert to confirm."
    ),
    "other": (
        "Information ITUM : ce numéro ne lit pas les messages. Répondez AIDE pour de "
        "l'aide, OUI pour confirmer une alerte, ARRET pour ne plus recevoir de textos. / "
        "Messages to this number are not read. Reply HELP, YES to confirm, STOP to end texts."
    ),
}


def reply_text(kind: str, office_phone: str) -> str:
    """``office_phone``: 10 digits (settings)."""
    return REPLIES[kind].format(office=display_phone("+1" + office_phone))
