"""The embeddable pages' own words, in French (default) and English, and how numbers and dates are written.

The catalogue's data (scheme names, rules, contacts…) are in French as the source documents write them; English
pages mark those passages `lang="fr"` so that screen readers pronounce them correctly.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from app.core.money import format_euros, format_number

Lang = Literal["fr", "en"]
LANGS: tuple[Lang, ...] = ("fr", "en")


def pick_lang(value: str | None) -> Lang:
    """`en` gives English; anything else (absent, unknown) the default, French."""
    return "en" if (value or "").strip().lower() == "en" else "fr"


TEXT: dict[str, dict[Lang, str]] = {
    # page chrome
    "colon": {"fr": "\u00a0: ", "en": ": "},
    "component": {"fr": "Élément", "en": "Component"},
    "brand": {"fr": "Post-internat", "en": "Post-internship"},
    "skip": {"fr": "Aller au contenu", "en": "Skip to content"},
    "list_title": {"fr": "Dispositifs de post-internat", "en": "Post-internship schemes"},
    "simulator_title": {"fr": "Simulateur de revenu", "en": "Income simulator"},
    "guide_title": {"fr": "Intégrer les dispositifs sur votre site", "en": "Embed the schemes on your website"},
    "nav_list": {"fr": "Dispositifs", "en": "Schemes"},
    "nav_simulator": {"fr": "Simulateur", "en": "Simulator"},
    "source_line": {
        "fr": "Données : documents officiels des ARS et facultés, chaque chiffre avec sa source.",
        "en": "Data: official documents of the ARS and faculties, every figure with its source.",
    },
    "api_link": {"fr": "API et sources", "en": "API and sources"},
    # eligibility
    "eligibility_title": {"fr": "À quels postes puis-je candidater ?", "en": "Which posts can I apply for?"},
    "nav_eligibility": {"fr": "Éligibilité", "en": "Eligibility"},
    "eligibility_intro": {
        "fr": "Indiquez votre DES, votre région et la date d'obtention du DES : chaque dispositif proposé dans la "
              "région est confronté aux règles que ses sources énoncent.",
        "en": "Give your DES, your region and the date you obtained the DES: each scheme offered in the region is "
              "checked against the rules its sources state.",
    },
    "des_completed_on": {"fr": "Obtention du DES (passée ou prévue)", "en": "DES obtained on (past or expected)"},
    "thesis_defended": {"fr": "Thèse soutenue", "en": "Thesis defended"},
    "wished_start": {"fr": "Début souhaité", "en": "Wished start"},
    "wished_start_hint": {"fr": "Mois de prise de fonction ; par défaut, la prochaine rentrée (1er mai ou 1er "
                                "novembre).", "en": "Month the post starts; default: the next intake (1 May or 1 "
                                "November)."},
    "ordre_registered": {"fr": "Inscrit à l'Ordre des médecins", "en": "Registered with the Ordre des médecins"},
    "unsaid": {"fr": "Non précisé", "en": "Not said"},
    "check": {"fr": "Voir mes dispositifs", "en": "Show my schemes"},
    "required": {"fr": "à renseigner.", "en": "required."},
    "invalid_date": {"fr": "date attendue au format AAAA-MM-JJ.", "en": "a date is expected, as YYYY-MM-DD."},
    "invalid_month": {"fr": "mois attendu au format AAAA-MM.", "en": "a month is expected, as YYYY-MM."},
    "verdict_eligible": {"fr": "Accessibles", "en": "Eligible"},
    "verdict_unknown": {"fr": "À vérifier", "en": "To be checked"},
    "verdict_not_eligible": {"fr": "Non accessibles", "en": "Not eligible"},
    "met_true": {"fr": "Condition remplie", "en": "Condition met"},
    "met_false": {"fr": "Condition non remplie", "en": "Condition not met"},
    "met_none": {"fr": "À vérifier", "en": "To be checked"},
    "recommended": {"fr": "(recommandé, non exigé)", "en": "(recommended, not required)"},
    "rule_source": {"fr": "Source", "en": "Source"},
    "next_deadline": {"fr": "Prochaine date limite", "en": "Next deadline"},
    "start_of_post": {"fr": "Prise de fonction", "en": "Start of post"},
    "none_known": {"fr": "aucune date à venir dans le calendrier", "en": "no upcoming date in the calendar"},
    "income_first": {"fr": "Premier mois net", "en": "First month, net"},
    "income_average": {"fr": "Moyenne mensuelle nette", "en": "Monthly average, net"},
    "income_total": {"fr": "Total net sur {n} mois", "en": "Net total over {n} months"},
    "income_link": {"fr": "Détail mois par mois", "en": "Month by month"},
    "income_missing": {"fr": "Précisez dans le simulateur : {options}.", "en": "Refine in the simulator: {options}."},
    "income_none": {"fr": "Pas d'estimation", "en": "No estimate"},
    "eligibility_count": {"fr": "{n} dispositif(s)", "en": "{n} scheme(s)"},
    "eligibility_none": {"fr": "Aucun dispositif n'est documenté dans cette région.",
                         "en": "No scheme is documented in this region."},
    # Licence Ouverte 2.0 asks for the source and the date of its last update (the data package says the same).
    "licence_line": {"fr": "Licence Ouverte 2.0 (etalab-2.0) — Post-internat API, catalogue mis à jour le {date}.",
                     "en": "Licence Ouverte 2.0 (etalab-2.0) — Post-internat API, catalogue updated on {date}."},
    "licence_line_undated": {"fr": "Licence Ouverte 2.0 (etalab-2.0) — Post-internat API.",
                             "en": "Licence Ouverte 2.0 (etalab-2.0) — Post-internat API."},
    "opendata_link": {"fr": "Données ouvertes", "en": "Open data"},
    # filters
    "filters": {"fr": "Filtrer les dispositifs", "en": "Filter the schemes"},
    "audience": {"fr": "Public", "en": "Who may apply"},
    "audience_any": {"fr": "Tous", "en": "Everyone"},
    "audience_mg": {"fr": "Médecine générale", "en": "General practice"},
    "audience_specialist": {"fr": "Autres spécialités", "en": "Other specialties"},
    "specialty": {"fr": "Spécialité (DES)", "en": "Specialty (DES)"},
    "specialty_any": {"fr": "Toutes", "en": "All"},
    "region": {"fr": "Région", "en": "Region"},
    "region_any": {"fr": "Toutes", "en": "All"},
    "category": {"fr": "Catégorie", "en": "Category"},
    "category_any": {"fr": "Toutes", "en": "All"},
    "category_universitaire": {"fr": "Universitaire", "en": "University"},
    "category_des": {"fr": "Dernière année du DES (pas un post-internat)",
                     "en": "Last year of the DES (not a post-internship post)"},
    "category_hospitalier": {"fr": "Hospitalier", "en": "Hospital"},
    "q": {"fr": "Mots-clés", "en": "Keywords"},
    "q_hint": {"fr": "Accents et majuscules ignorés.", "en": "Accents and case are ignored."},
    "apply": {"fr": "Afficher", "en": "Show"},
    "reset": {"fr": "Tout afficher", "en": "Show all"},
    "count_0": {"fr": "Aucun dispositif ne correspond.", "en": "No scheme matches."},
    "count_1": {"fr": "1 dispositif", "en": "1 scheme"},
    "count_n": {"fr": "{n} dispositifs", "en": "{n} schemes"},
    "pay": {"fr": "Rémunération", "en": "Pay"},
    "pay_unknown": {"fr": "Non publiée par les documents", "en": "Not published by the documents"},
    "duration": {"fr": "Durée", "en": "Length"},
    "regions": {"fr": "Régions", "en": "Regions"},
    "scope_national": {"fr": "statut national", "en": "national statute"},
    "scope_regional": {"fr": "dispositif régional", "en": "regional scheme"},
    "details": {"fr": "Voir le dispositif", "en": "See the scheme"},
    # scheme page
    "back_list": {"fr": "Retour à la liste", "en": "Back to the list"},
    "eligibility": {"fr": "Qui peut candidater", "en": "Who may apply"},
    "eligible_specialties": {"fr": "Spécialités éligibles", "en": "Eligible specialties"},
    "specialties_unconfirmed": {"fr": "Spécialités non confirmées", "en": "Unconfirmed specialties"},
    "specialty_unconfirmed": {"fr": "DES non confirmé", "en": "DES not confirmed"},
    "pay_components": {"fr": "Éléments de rémunération", "en": "Pay components"},
    "published_total": {"fr": "Total publié", "en": "Published total"},
    "contacts": {"fr": "Contacts", "en": "Contacts"},
    "contacts_none": {"fr": "Aucun contact publié.", "en": "No contact published."},
    "deadlines": {"fr": "Prochaines échéances", "en": "Next deadlines"},
    "deadlines_none": {
        "fr": "Les documents ne publient pas de date à venir.",
        "en": "The documents publish no upcoming date.",
    },
    "past_dates": {"fr": "Dates publiées passées", "en": "Past published dates"},
    "yearly": {"fr": "chaque année", "en": "every year"},
    "simulate_this": {"fr": "Simuler mon revenu", "en": "Simulate my income"},
    "in_region": {"fr": "en {region}", "en": "in {region}"},
    "all_regions_contacts": {"fr": "Toutes régions", "en": "All regions"},
    "email": {"fr": "Courriel", "en": "E-mail"},
    "phone": {"fr": "Téléphone", "en": "Phone"},
    "website": {"fr": "Site", "en": "Website"},
    "faculty": {"fr": "Faculté", "en": "Faculty"},
    "sources": {"fr": "Sources", "en": "Sources"},
    "verified_on": {"fr": "Données vérifiées le {date} contre leurs sources.",
                    "en": "Data checked against its sources on {date}."},
    "sources_as_of": {"fr": "Source la plus récente : {when}.", "en": "Newest source: {when}."},
    "national_only": {"fr": "Cadre national : aucune source régionale lue",
                      "en": "National rules: no regional source read"},
    "stale": {"fr": "Sources datées de plus de 24 mois : la plus récente date de {when}.",
              "en": "Sources more than 24 months old: the newest dates from {when}."},
    "expected": {"fr": "date attendue, projetée depuis le calendrier {year} de la source",
                 "en": "expected date, projected from the source's {year} calendar"},
    "per_month": {"fr": "par mois", "en": "a month"},
    "years_range": {"fr": "années {a} à {b}", "en": "years {a} to {b}"},
    "year_n": {"fr": "année {a}", "en": "year {a}"},
    "from_year": {"fr": "à partir de l'année {a}", "en": "from year {a}"},
    "basis_net": {"fr": "net", "en": "net"},
    "basis_gross": {"fr": "brut", "en": "gross"},
    "basis_unspecified": {"fr": "", "en": ""},
    "freq_monthly": {"fr": "par mois", "en": "a month"},
    "freq_yearly": {"fr": "par an", "en": "a year"},
    "freq_quarterly": {"fr": "par trimestre", "en": "a quarter"},
    "freq_one_off": {"fr": "en une fois", "en": "once"},
    "paid_quarterly": {"fr": "versés par trimestre", "en": "paid quarterly"},
    "paid_yearly": {"fr": "versés par an", "en": "paid yearly"},
    "paid_monthly": {"fr": "versés par mois", "en": "paid monthly"},
    "paid_one_off": {"fr": "versés en une fois", "en": "paid once"},
    "top_up_to": {"fr": "complément jusqu'à", "en": "top-up to"},
    "approx": {"fr": "environ", "en": "about"},
    # simulator
    "scheme": {"fr": "Dispositif", "en": "Scheme"},
    "start": {"fr": "Début du contrat", "en": "Contract start"},
    "start_hint": {"fr": "Mois et année (AAAA-MM).", "en": "Month and year (YYYY-MM)."},
    "months": {"fr": "Durée (mois)", "en": "Length (months)"},
    "method": {"fr": "Méthode", "en": "Method"},
    "method_published": {"fr": "Chiffres publiés par les documents", "en": "Figures published by the documents"},
    "method_statutory": {"fr": "Grilles officielles (brut → net)", "en": "Official grids (gross → net)"},
    "options": {"fr": "Options", "en": "Options"},
    "compute": {"fr": "Calculer", "en": "Calculate"},
    "result": {"fr": "Résultat", "en": "Result"},
    "total_net": {"fr": "Net total sur le contrat", "en": "Total net over the contract"},
    "average_net": {"fr": "Net mensuel moyen", "en": "Average net a month"},
    "total_after_tax": {"fr": "Total après impôt", "en": "Total after tax"},
    "average_after_tax": {"fr": "Moyenne mensuelle après impôt", "en": "Monthly average after tax"},
    "total_tax": {"fr": "Impôt prélevé", "en": "Tax withheld"},
    "months_count": {"fr": "Mois simulés", "en": "Months simulated"},
    "chart_title": {"fr": "Revenu net par mois", "en": "Net income by month"},
    "chart_desc": {
        "fr": "Histogramme du revenu net de chaque mois, de {first} à {last} : de {low} à {high}. "
        "Les valeurs exactes sont dans le tableau ci-dessous.",
        "en": "Bar chart of each month's net income, {first} to {last}: from {low} to {high}. "
        "The exact values are in the table below.",
    },
    "table_caption": {"fr": "Revenu net, mois par mois", "en": "Net income, month by month"},
    "col_month": {"fr": "Mois", "en": "Month"},
    "col_year": {"fr": "Année de contrat", "en": "Contract year"},
    "col_net_salary": {"fr": "Salaire net", "en": "Net salary"},
    "col_other": {"fr": "Autres revenus", "en": "Other income"},
    "col_net": {"fr": "Net avant impôt", "en": "Net before tax"},
    "col_tax": {"fr": "Impôt", "en": "Tax"},
    "col_after_tax": {"fr": "Net après impôt", "en": "Net after tax"},
    "total_row": {"fr": "Total", "en": "Total"},
    "notes": {"fr": "Hypothèses et limites", "en": "Assumptions and limits"},
    "method_agree": {
        "fr": "Avec les {other}, le total net est le même, à 1 % près.",
        "en": "With the {other}, the total net is the same, within 1 %.",
    },
    "method_disagree": {
        "fr": "Avec les {other}, le total net serait de {total}, soit {diff} de {direction} : "
        "les chiffres publiés et les grilles officielles diffèrent.",
        "en": "With the {other}, the total net would be {total}, {diff} {direction}: "
        "the published figures and the official grids differ.",
    },
    "less": {"fr": "moins", "en": "less"},
    "more": {"fr": "plus", "en": "more"},
    "method_cannot": {"fr": "Le calcul avec les {other} n'est pas possible.",
                      "en": "The calculation with the {other} is not possible."},
    "other_published": {"fr": "chiffres publiés par les documents", "en": "figures published by the documents"},
    "other_statutory": {"fr": "grilles officielles", "en": "official grids"},
    "csv": {"fr": "Télécharger le tableau (CSV)", "en": "Download the table (CSV)"},
    "share": {"fr": "Lien vers ce calcul", "en": "Link to this calculation"},
    "error_title": {"fr": "Ce calcul n'est pas possible", "en": "This calculation is not possible"},
    "filter_error_title": {"fr": "Filtre non valide", "en": "Invalid filter"},
    "max_months": {"fr": "Durée maximale : {n} mois.", "en": "Longest length: {n} months."},
    "coverage": {"fr": "Débuts couverts : de {first} à {last}.", "en": "Starts covered: {first} to {last}."},
    "coverage_open": {"fr": "Débuts couverts : à partir de {first}.", "en": "Starts covered: from {first}."},
    "start_uncovered": {
        "fr": "Les montants connus ne couvrent pas un début en {asked} : calcul pour {used}.",
        "en": "The known amounts do not cover a start in {asked}: calculated for {used}.",
    },
    "region_switched": {
        "fr": "Ce dispositif n'est pas documenté dans la région {asked} : calcul pour {used}.",
        "en": "This scheme is not documented in region {asked}: calculated for {used}.",
    },
    "not_found_title": {"fr": "Dispositif introuvable", "en": "Scheme not found"},
    "gone_title": {"fr": "Dispositif retiré", "en": "Scheme withdrawn"},
    "not_found": {"fr": "Aucun dispositif « {slug} ».", "en": "No scheme “{slug}”."},
    # error pages (any error answering an /embed address: same status, in HTML)
    "page_error_title": {"fr": "Erreur", "en": "Error"},
    "page_error_title_400": {"fr": "Requête non valide", "en": "Invalid request"},
    "page_error_title_404": {"fr": "Page introuvable", "en": "Page not found"},
    "page_error_title_405": {"fr": "Méthode non permise", "en": "Method not allowed"},
    "page_error_title_422": {"fr": "Requête non valide", "en": "Invalid request"},
    "page_error_title_500": {"fr": "Erreur du serveur", "en": "Server error"},
    "page_error_title_503": {"fr": "Service momentanément indisponible", "en": "Service temporarily unavailable"},
    "page_error_404": {"fr": "Aucune page à cette adresse.", "en": "There is no page at this address."},
    "page_error_503": {
        "fr": "Les données ne peuvent pas être lues pour l'instant ; réessayez dans un instant.",
        "en": "The data cannot be read right now; try again shortly.",
    },
    "invalid_value": {"fr": "Valeur non valide", "en": "Invalid value"},
    "unknown_value": {"fr": "valeur inconnue « {value} ».", "en": "unknown value “{value}”."},
    "not_a_month": {"fr": "« {value} » n'est pas un mois (AAAA-MM).", "en": "“{value}” is not a month (YYYY-MM)."},
    "months_range": {"fr": "entre 1 et {n} mois.", "en": "between 1 and {n} months."},
    "not_a_number": {"fr": "« {value} » n'est pas un nombre.", "en": "“{value}” is not a number."},
    "not_whole": {"fr": "« {value} » n'est pas un nombre entier.", "en": "“{value}” is not a whole number."},
    "too_long": {"fr": "{n} caractères au plus.", "en": "at most {n} characters."},
    "allowed": {"fr": "Valeurs possibles : {values}.", "en": "Allowed values: {values}."},
    "yes": {"fr": "oui", "en": "yes"},
    "no": {"fr": "non", "en": "no"},
    "tax_none": {"fr": "Pas d'impôt", "en": "No tax"},
    "tax_neutral": {"fr": "Taux neutre (grille en vigueur)", "en": "Neutral rate (current grid)"},
    "tax_personal": {"fr": "Taux personnel", "en": "Personal rate"},
    # guide
    "guide_intro": {
        "fr": "Ajoutez à votre page une seule ligne : elle insère un cadre (iframe) qui affiche les dispositifs, "
        "une fiche ou le simulateur, s'ajuste à la hauteur de son contenu et reprend votre couleur.",
        "en": "Add a single line to your page: it inserts a frame (iframe) showing the schemes, one scheme or the "
        "simulator, fitted to the height of its content and in your colour.",
    },
    "configure": {"fr": "Configurer", "en": "Configure"},
    "view": {"fr": "Vue", "en": "View"},
    "view_schemes": {"fr": "Liste des dispositifs", "en": "Scheme list"},
    "view_scheme": {"fr": "Fiche d'un dispositif", "en": "One scheme"},
    "view_simulator": {"fr": "Simulateur", "en": "Simulator"},
    "view_eligibility": {"fr": "Éligibilité (à quels postes candidater)",
                         "en": "Eligibility (which posts to apply for)"},
    "color": {"fr": "Couleur", "en": "Colour"},
    "color_hint": {
        "fr": "#rgb ou #rrggbb ; le texte posé dessus est noir ou blanc selon le contraste.",
        "en": "#rgb or #rrggbb; text on it is black or white, whichever contrasts more.",
    },
    "language": {"fr": "Langue", "en": "Language"},
    "update": {"fr": "Mettre à jour l'aperçu", "en": "Update the preview"},
    "snippet": {"fr": "Code à copier", "en": "Code to copy"},
    "snippet_hint": {
        "fr": "Collez cette ligne dans votre page, à l'endroit où le cadre doit apparaître.",
        "en": "Paste this line into your page where the frame should appear.",
    },
    "copy": {"fr": "Copier", "en": "Copy"},
    "copied": {"fr": "Copié.", "en": "Copied."},
    "preview": {"fr": "Aperçu", "en": "Preview"},
    "attributes": {"fr": "Attributs", "en": "Attributes"},
    "attr_col_name": {"fr": "Attribut", "en": "Attribute"},
    "attr_col_meaning": {"fr": "Rôle", "en": "Meaning"},
    "csp": {"fr": "Politique de sécurité du contenu (CSP) de votre site", "en": "Your site's Content-Security-Policy"},
    "no_js": {"fr": "Sans JavaScript", "en": "Without JavaScript"},
    "language_fr": {"fr": "Français", "en": "French"},
    "language_en": {"fr": "Anglais", "en": "English"},
}


def t(key: str, lang: Lang, **values: object) -> str:
    text = TEXT[key][lang]
    return text.format(**values) if values else text


_MONTHS: dict[Lang, tuple[str, ...]] = {
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}
_MONTHS_LONG: dict[Lang, tuple[str, ...]] = {
    "fr": ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
           "novembre", "décembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
}


def month_label(value: dt.date | str, lang: Lang, *, long: bool = False) -> str:
    """`2024-11` → « nov. 2024 » / “Nov 2024” (long: « novembre 2024 » / “November 2024”)."""
    if isinstance(value, str):
        year, month = int(value[:4]), int(value[5:7])
    else:
        year, month = value.year, value.month
    names = _MONTHS_LONG if long else _MONTHS
    return f"{names[lang][month - 1]} {year}"


def date_label(value: dt.date, lang: Lang) -> str:
    if lang == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {_MONTHS_LONG['fr'][value.month - 1]} {value.year}"
    return f"{value.day} {_MONTHS_LONG['en'][value.month - 1]} {value.year}"


def money(amount: Decimal | float | int | None, lang: Lang, *, cents: bool = True) -> str:
    """French: « 3 882,00 € »; English: “€3,882.00”. None → an en dash (`app.core.money.format_euros`)."""
    return format_euros(None if amount is None else Decimal(str(amount)), lang, cents=cents)


def number(value: Decimal | float | int, lang: Lang) -> str:
    return format_number(Decimal(str(value)), lang, places=None)
