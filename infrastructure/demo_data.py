"""Synthetic, realistic-looking demo data: agencies, French names, trades with ROME codes."""
from __future__ import annotations

AGENCIES = {
    "paris-nord": ("Agence Paris Nord", ("Paris", "Saint-Denis (93)", "Aubervilliers", "Pantin", "Montreuil (93)", "Bobigny", "Saint-Ouen-sur-Seine", "Bondy", "Drancy")),
    "lyon-est": ("Agence Lyon Est", ("Lyon", "Villeurbanne", "Vénissieux", "Bron", "Vaulx-en-Velin", "Caluire-et-Cuire", "Rillieux-la-Pape", "Saint-Priest (69)")),
    "lille-metropole": ("Agence Lille Métropole", ("Lille", "Roubaix", "Tourcoing", "Villeneuve-d'Ascq", "Wattrelos", "Lambersart", "Armentières", "Croix (59)")),
}

FIRST_NAMES = (
    "Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Emma", "Jade", "Louise", "Zoé", "Amina", "Fatou",
    "Nadia", "Sophie", "Julie", "Aurélie", "Mélanie", "Yasmine", "Lucas", "Hugo", "Thomas", "Nathan", "Mehdi",
    "Karim", "Julien", "Nicolas", "Maxime", "Antoine", "Alexandre", "Romain", "Kevin", "Moussa", "Ibrahima",
    "Youssef", "Sébastien", "Olivier", "Jérôme", "François", "Théo", "Enzo",
)
LAST_NAMES = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
    "Simon", "Laurent", "Lefebvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
    "Morel", "Girard", "André", "Lefèvre", "Mercier", "Dupont", "Lambert", "Bonnet", "François", "Martinez",
    "Benali", "Haddad", "Diallo", "Traoré", "Nguyen", "Da Silva", "Pereira", "Ferreira", "Mohamed", "Kone",
)

#: ROME code → (trade, typical skills)
TRADES = {
    "K2204": ("Agent de propreté", ("nettoyage de locaux", "utilisation d'autolaveuse", "tri des déchets", "protocoles d'hygiène")),
    "N1103": ("Préparateur de commandes", ("préparation de commandes", "caces 1", "lecture optique", "gestion de stock")),
    "G1603": ("Employé polyvalent de restauration", ("service en salle", "plonge", "mise en place", "hygiène haccp")),
    "D1106": ("Vendeur en alimentation", ("vente", "encaissement", "conseil client", "mise en rayon")),
    "J1501": ("Aide-soignant", ("soins d'hygiène", "accompagnement des patients", "transmissions", "diplôme d'aide-soignant")),
    "K1302": ("Auxiliaire de vie", ("aide à domicile", "préparation des repas", "accompagnement", "permis b")),
    "F1703": ("Maçon", ("maçonnerie", "coffrage", "lecture de plans", "travail en hauteur")),
    "N4101": ("Conducteur poids lourd", ("permis c", "fimo", "chargement", "tachygraphe")),
    "M1607": ("Secrétaire", ("accueil téléphonique", "bureautique", "saisie", "agenda")),
    "D1507": ("Employé de libre-service", ("mise en rayon", "étiquetage", "inventaire", "accueil client")),
    "G1602": ("Commis de cuisine", ("préparation culinaire", "hygiène haccp", "découpe", "plonge")),
    "I1304": ("Technicien de maintenance", ("électricité industrielle", "mécanique", "habilitation électrique", "diagnostic de panne")),
    "H2913": ("Soudeur", ("soudage tig", "soudage mig", "lecture de plans", "meulage")),
    "A1203": ("Jardinier paysagiste", ("tonte", "taille de haies", "débroussaillage", "permis b")),
    "M1203": ("Comptable", ("comptabilité générale", "paie", "logiciel sage", "déclarations fiscales")),
}

CONTRACTS = ("CDI", "CDD", "interim", "alternance", "saisonnier")
