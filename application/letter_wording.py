"""The fixed French wording of explanation letters, and the labels of the codes they quote.

The letter is composed in the application (not in a template) so that the printable
page and the PDF say exactly the same thing. The labels repeat web/labels.py on
purpose: the application may not import the web layer.
"""
from __future__ import annotations

CRITERION_LABELS = {
    "rome_code": "métier recherché",
    "skill": "compétence requise",
    "optional_skill": "compétence souhaitée",
    "distance": "distance (km)",
    "availability": "date de disponibilité",
    "contract_type": "type de contrat",
    "hours": "durée hebdomadaire",
    "salary": "salaire",
}
CONTRACT_LABELS = {
    "CDI": "CDI",
    "CDD": "CDD",
    "interim": "intérim",
    "alternance": "alternance",
    "saisonnier": "saisonnier",
}
DECISION_REASON_LABELS = {
    "competence_manquante": "compétence manquante",
    "mobilite": "mobilité",
    "disponibilite": "disponibilité",
    "deja_en_formation": "déjà en formation",
    "profil_adapte": "profil adapté à l'offre",
    "demande_personne": "à votre demande",
    "connu_du_conseiller": "personne connue du conseiller",
    "profil_proche": "profil proche de l'offre",
    "autre": "autre motif",
}
FALLBACK_LABELS = {
    "timeout": "délai de réponse dépassé",
    "invalid_output": "réponse non conforme",
    "unavailable": "service indisponible",
    "http_error": "erreur du service",
}

SUBJECT = ("Objet : votre demande d'explication sur l'usage de l'intelligence artificielle "
           "dans le suivi de votre recherche d'emploi")

INTRODUCTION = (
    "Madame, Monsieur,",
    "Vous avez demandé comment l'intelligence artificielle a été utilisée dans les décisions qui vous "
    "concernent. Cette lettre vous répond au titre des articles 15 et 22 du règlement général sur la "
    "protection des données (RGPD), de l'article 86 du règlement européen sur l'intelligence artificielle "
    "et des articles L311-3-1 et R311-3-1-2 du code des relations entre le public et l'administration (CRPA).",
    "Elle est établie à partir du journal des événements de notre outil Relais, tel qu'il était le {as_of}. "
    "Les résultats de l'IA y sont repris tels qu'ils ont été enregistrés au moment où ils ont été produits : "
    "aucun modèle n'a été interrogé à nouveau pour écrire cette lettre.",
)

CONTRIBUTION = (
    "Relais propose aux conseillers, pour une offre d'emploi, une liste ordonnée de personnes dont le profil "
    "paraît correspondre. Cette liste est une aide à la décision : elle ne vaut pas décision.",
    "Pour chaque personne proposée, un conseiller décide lui-même de la retenir ou de l'écarter ; il doit "
    "motiver un refus. Il peut aussi retenir une personne que l'IA n'a pas proposée. Aucune décision vous "
    "concernant n'est prise de façon entièrement automatisée. Un administrateur peut à tout moment arrêter "
    "toutes les suggestions de l'IA.",
)

DATA_INTRO = ("Les informations suivantes, enregistrées par votre conseiller lors de votre inscription ou de la "
              "mise à jour de votre dossier, ont servi à comparer votre profil aux offres :")
DATA_NOT_SENT = ("Vos nom, prénom, numéro de téléphone et les notes de votre conseiller ne sont jamais transmis "
                 "au modèle : il ne voit qu'un identifiant anonyme et les informations ci-dessus.")

OPERATIONS = (
    "écarter les personnes qui ne remplissent pas les conditions de la demande : agence, accord pour être "
    "contacté par SMS, date de disponibilité, distance et rayon de mobilité, type de contrat, durée hebdomadaire ;",
    "classer les personnes restantes selon la proximité entre leur profil (métiers, compétences) et l'offre, "
    "avec le modèle indiqué pour chaque suggestion ; le score est cette mesure de proximité : plus il est "
    "élevé, plus le profil est proche de l'offre ;",
    "indiquer pour chaque personne les critères remplis et non remplis, et une courte explication.",
)
WEIGHTING = ("Les critères ci-dessus ne sont pas pondérés entre eux : les conditions écartent ou non une personne, "
             "puis l'ordre de la liste suit le seul score du modèle.")

NO_SUGGESTION = "À la date de cette lettre, l'IA ne vous a proposé pour aucune offre."
NO_DECISION = "Aucune décision n'a encore été prise sur cette suggestion."
SUPERSEDED = "Cette suggestion a été remplacée par une nouvelle liste avant qu'une décision soit prise."

RIGHTS = (
    "Vous pouvez demander qu'un conseiller réexamine personnellement toute décision vous concernant, "
    "présenter votre point de vue et contester la décision (article 22 du RGPD). Écrivez pour cela à votre "
    "agence ({agency}) en rappelant la référence de cette lettre. Cette demande est gratuite.",
    "Vous pouvez obtenir une copie de vos données et des informations sur leur traitement (article 15 du RGPD), "
    "ainsi qu'une explication claire du rôle de l'IA dans une décision qui vous concerne (article 86 du "
    "règlement sur l'IA). Une réponse vous est apportée dans un délai d'un mois (article 12 du RGPD).",
    "Les articles L311-3-1 et R311-3-1-2 du CRPA vous permettent d'obtenir les règles du traitement "
    "algorithmique et ses principales caractéristiques : le degré et le mode de contribution du traitement à "
    "la décision, les données traitées et leurs sources, les paramètres et leur pondération appliqués à votre "
    "situation, les opérations effectuées. Cette lettre vous les donne. En cas de refus ou d'absence de réponse "
    "dans un délai d'un mois, vous pouvez saisir la Commission d'accès aux documents administratifs (CADA).",
    "Vous pouvez enfin adresser une réclamation à la Commission nationale de l'informatique et des libertés "
    "(CNIL, www.cnil.fr).",
)
CLOSING = "Nous vous prions d'agréer, Madame, Monsieur, l'expression de nos salutations distinguées."
SIGNATURE = "Le service conformité"


def label(labels: dict[str, str], code: str) -> str:
    return labels.get(code, code)


def contract(code: str) -> str:
    return label(CONTRACT_LABELS, code)


def fallback(code: str) -> str:
    if code.startswith("error:"):
        return "erreur inattendue"
    return label(FALLBACK_LABELS, code)
