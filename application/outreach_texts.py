"""The texts Relais sends: the first message's template (the advisor edits and approves it) and the
scripted questions. French, short, plain: an SMS segment is 160 characters."""
from __future__ import annotations

from domain.conversation import FIRST_CONTACT, QUESTIONS, REMINDER, STOP_CONFIRMATION, base_step

QUESTION_TEXTS = {
    "availability": "Merci ! À partir de quelle date pourriez-vous commencer ?",
    "mobility": "Comment iriez-vous au travail (voiture, transports, vélo...) ?",
    "hours": "Les horaires du poste vous conviennent-ils ? Des contraintes d'horaires ?",
    "salary": "Quel salaire attendez-vous (brut, par mois ou par an) ?",
    "requirement": "Une dernière question : {requirement} Est-ce possible pour vous ?",
}
DEFAULT_REQUIREMENT = "l'employeur a-t-il besoin de savoir autre chose sur vous ?"
STOP_CONFIRMATION_TEXT = "Relais : c'est noté, vous ne recevrez plus de SMS de notre part. Votre conseiller reste joignable."
assert set(QUESTION_TEXTS) == set(QUESTIONS)


def first_message(offer_title: str, commune: str, contract: str, agency_name: str) -> str:
    """The template the advisor reviews: the offer's essentials, who writes, that it is automated, how to stop."""
    return (
        f"Bonjour, ici {agency_name} (France Travail). Une offre peut vous intéresser : {offer_title}, "
        f"{contract} à {commune}. Intéressé·e ? Répondez OUI ou NON. "
        "Messages automatiques ; écrivez CONSEILLER pour parler à votre conseiller, STOP pour ne plus être contacté·e."
    )


def question_text(step: str, requirement: str = "") -> str:
    key = base_step(step)
    text = QUESTION_TEXTS[key]
    if key == "requirement":
        wanted = requirement.strip()
        text = text.format(requirement=(wanted.rstrip(".") + "." if wanted else DEFAULT_REQUIREMENT))
    return text


def message_body(step: str, approved_text: str, requirement: str) -> str:
    """The body of the message for `step`: the approved text, a question, or a reminder of either."""
    if step == STOP_CONFIRMATION:
        return STOP_CONFIRMATION_TEXT
    key = base_step(step)
    body = approved_text if key == FIRST_CONTACT else question_text(key, requirement)
    return f"Rappel : {body}" if REMINDER in step else body
