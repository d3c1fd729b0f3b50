"""How each scheme is paid, in terms of the law's grids: which statutory line applies, from which contract year,
and which published figure (a pay component of the catalogue) states the same line.

This is domain knowledge, not figures: every amount comes from the dated parameters (seed/pay_parameters.yaml)
or from the catalogue's pay components (seed/pay_components.yaml), each with its source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.messages import Message as M


@dataclass(frozen=True)
class StatutoryLine:
    code: str
    label: str
    payer: str
    # (first contract year, parameter code): the parameter in force from that year of the contract on.
    steps: tuple[tuple[int, str], ...]
    annual: bool = True
    by_seniority: bool = False  # steps follow seniority (prior years + contract year), as assistant grids do
    by_hospital_share: bool = False  # multiplied by the hospital share of working time
    # Published pay components stating this line: in the `published` method they take precedence.
    published: tuple[str, ...] = ()
    note: M | None = None


@dataclass(frozen=True)
class PayModel:
    lines: tuple[StatutoryLine, ...] = ()
    iespe_published: tuple[str, ...] | None = None  # None: no IESPE; () : IESPE with no published figure
    pet_published: tuple[str, ...] | None = None  # None: no prime d'exercice territorial
    garde: str | None = None  # parameter of one garde (HU or assistant rate)
    astreinte: bool = False
    liberal: bool = False  # ambulatory activity paid by fees (acts per week × consultation tariff)
    cpam: bool = False  # CCU-MG contract with the CPAM (redevance + guarantee)
    # The CPAM guarantee is due under this many acts a week: the dated parameter's code (the law's figure, not code).
    cpam_acts_threshold: str | None = None
    # Published components that are bonuses (a line of category `bonus`); IESPE and PET ones are allowances.
    bonus_components: frozenset[str] = frozenset()
    hospital_share: bool = False  # the hospital share of time is an option (work split)
    # Published components multiplied by the hospital share (400 MG's hospital part).
    share_components: frozenset[str] = frozenset()
    # Published components paid only when an option says the doctor qualifies.
    optional_components: dict[str, str] = field(default_factory=dict)
    notes: tuple[M, ...] = ()
    # Line codes a statute leaves out of the IRCANTEC base (the astreintes of CCU-AH/AHU).
    ircantec_excluded: frozenset[str] = frozenset()
    # Set when no official text says whether the IRCANTEC applies to a line: the codes of those lines and why.
    ircantec_unconfirmed: tuple[tuple[str, ...], M] | None = None
    # Docteur junior MG: a bonus per semester when the acts per month reach a threshold (amount, threshold codes).
    semester_bonus: tuple[str, str] | None = None
    # A monthly allowance paid when the placement is in a zone (ZIP): its parameter code.
    zone_allowance: str | None = None


ASSISTANT_GRID = (
    (1, "assistant-specialiste-annuel-1-2"),
    (3, "assistant-specialiste-annuel-3-4"),
    (5, "assistant-specialiste-annuel-5-6"),
)
CCU_MG_GRID = ((1, "ccu-mg-universitaire-annuel-avant-2-ans"), (3, "ccu-mg-universitaire-annuel-apres-2-ans"))
CCU_AH_UNIVERSITY = ((1, "ccu-ah-universitaire-annuel-avant-2-ans"), (3, "ccu-ah-universitaire-annuel-apres-2-ans"))
CCU_AH_HOSPITAL = ((1, "ccu-ah-hospitalier-annuel-avant-2-ans"), (3, "ccu-ah-hospitalier-annuel-apres-2-ans"))


def _assistant(*, base: str | None = None, iespe: str | None = None, pet: str | None = None, share: bool = False,
               notes: tuple[M, ...] = ()) -> PayModel:
    """An assistant's pay (grid, IESPE, gardes, astreintes), naming the published components that state it, if any:
    a scheme whose documents publish no figure is paid by the grids alone (codes are named, never formatted, so
    that the load-time check finds each one)."""
    return PayModel(
        lines=(
            StatutoryLine(
                "emoluments", "Émoluments d'assistant spécialiste", "Établissement employeur", ASSISTANT_GRID,
                by_seniority=True, by_hospital_share=share, published=(base,) if base else (),
            ),
        ),
        iespe_published=(iespe,) if iespe else (),
        pet_published=(pet,) if pet else None,
        garde="garde-sujetion-assistant",
        astreinte=True,
        hospital_share=share,
        notes=notes,
    )


HU_IRCANTEC_NOTE = M(
    "IRCANTEC des CCU-AH/AHU (site de l'Ircantec) : sans activité libérale, sur toute la rémunération universitaire et "
    "les émoluments hospitaliers, gardes comprises, à l'exclusion des astreintes ; avec une activité libérale, sur la "
    "seule rémunération universitaire (cas non simulé).",
    "IRCANTEC of CCU-AH/AHU (Ircantec's site): without private practice, on all the university pay and the hospital "
    "emoluments, gardes included, astreintes excluded; with private practice, on the university pay alone (not "
    "simulated).",
)
CCU_MG_IRCANTEC = (
    ("universitaire",),
    M("Aucun texte officiel lu ne dit si la rémunération universitaire des CCU-MG (et des AUMG, payés sur cette base) "
      "est soumise à l'IRCANTEC ; l'arrêté du 30 décembre 2008 la dit seulement « non soumise à retenue pour pension "
      "civile ». L'IRCANTEC y est appliquée, comme pour les CCU-AH/AHU (non confirmé).",
      "No official text read says whether the university pay of CCU-MG (and of AUMG, paid on that basis) is subject to "
      "IRCANTEC; the arrêté of 30 December 2008 only says it is « non soumise à retenue pour pension civile ». "
      "IRCANTEC is applied, as for CCU-AH/AHU (unconfirmed)."),
)


def _hospital_university(*, university: str, hospital: str, iespe: str) -> PayModel:
    return PayModel(
        lines=(
            StatutoryLine(
                "universitaire", "Salaire universitaire", "UFR de médecine", CCU_AH_UNIVERSITY,
                published=(university,),
            ),
            StatutoryLine(
                "hospitalier", "Rémunération hospitalière", "CHU", CCU_AH_HOSPITAL,
                published=(hospital,),
            ),
        ),
        iespe_published=(iespe,),
        garde="garde-hu",
        astreinte=True,
        ircantec_excluded=frozenset({"astreintes"}),
        notes=(HU_IRCANTEC_NOTE,),
    )


PAY_MODELS: dict[str, PayModel] = {
    "docteur-junior-mg": PayModel(
        lines=(
            StatutoryLine("emoluments", "Émoluments forfaitaires de docteur junior", "CHU de rattachement",
                          ((1, "docteur-junior-emoluments-annuels"),)),
            StatutoryLine("autonomie-supervisee", "Prime d'autonomie supervisée", "CHU de rattachement",
                          ((1, "docteur-junior-prime-autonomie-supervisee-annuelle"),)),
        ),
        semester_bonus=("docteur-junior-mg-prime-activite-semestrielle",
                        "docteur-junior-mg-prime-activite-seuil-actes"),
        zone_allowance="docteur-junior-mg-indemnite-zip-mensuelle",
        ircantec_unconfirmed=(
            ("emoluments", "autonomie-supervisee", "prime-activite", "indemnite-zip"),
            M("Aucun texte lu ne précise les cotisations des docteurs juniors : celles des agents publics contractuels "
              "(régime général et IRCANTEC) sont appliquées (non confirmé).",
              "No text read sets the contributions of docteurs juniors: those of public contract staff (régime général "
              "and IRCANTEC) are applied (unconfirmed)."),
        ),
        notes=(
            M("Dernière année du DES de médecine générale, pas un poste de post-internat ; elle commence le "
              "2 novembre 2026 (simulée à partir du 1er novembre, la prime et l'indemnité comptées à partir du 2).",
              "The last year of the general-practice DES, not a post-internship post; it starts on 2 November 2026 "
              "(simulated from 1 November, the bonus and the allowance counted from the 2nd)."),
            M("Les indemnités forfaitaires de transport et d'hébergement ne sont pas simulées ; l'indemnité ZIP n'est "
              "pas cumulable avec elles.",
              "The transport and housing allowances are not simulated; the ZIP allowance cannot be combined with "
              "them."),
        ),
    ),
    "ccu-mg": PayModel(
        lines=(
            StatutoryLine(
                "universitaire", "Salaire universitaire (CCU-MG)", "UFR de médecine", CCU_MG_GRID,
                published=("ccu-mg-salaire-universitaire",),
            ),
        ),
        liberal=True,
        cpam=True,
        cpam_acts_threshold="ccu-mg-complement-cpam-seuil-actes-semaine",
        notes=(M("La part soins est libérale (honoraires) ou salariée ; les honoraires sont comptés avant charges.",
                 "The care part is liberal (fees) or salaried; fees are counted before practice costs."),),
        ircantec_unconfirmed=CCU_MG_IRCANTEC,
    ),
    "aumg": PayModel(
        lines=(
            StatutoryLine(
                "universitaire", "Salaire universitaire (base CCU-MG 1er échelon)", "UFR de médecine",
                ((1, "ccu-mg-universitaire-annuel-avant-2-ans"),),
                published=("aumg-salaire-universitaire",),
            ),
        ),
        liberal=True,
        notes=(M("Les AUMG ne reçoivent pas le complément de rémunération CPAM des CCU-MG.",
                 "AUMG do not receive the CCU-MG's CPAM complement."),),
        ircantec_unconfirmed=CCU_MG_IRCANTEC,
    ),
    "chef-clinique-region": PayModel(
        lines=(
            StatutoryLine(
                "universitaire", "Salaire universitaire", "UFR de médecine", CCU_AH_UNIVERSITY,
                published=("chef-clinique-region-salaire-universitaire",),
                note=M("Grille universitaire des chefs de clinique-assistants (« comme tout chef de clinique »).",
                       "The chefs de clinique-assistants' university grid (« comme tout chef de clinique »)."),
            ),
            StatutoryLine(
                "hospitalier", "Rémunération hospitalière (valence hospitalière de 50 % en CH)",
                "Centre hospitalier (CH)",
                CCU_AH_HOSPITAL,
                note=M("Valence hospitalière (50 %, en centre hospitalier) : la grille hospitalière des chefs de "
                       "clinique-assistants est appliquée, le document disant « comme tout chef de clinique » ; aucune "
                       "source ne publie le montant versé par le CH.",
                       "Hospital half (50 %, in a general hospital): the chefs de clinique-assistants' hospital grid "
                       "is applied, the document saying « comme tout chef de clinique »; no source publishes what the "
                       "CH pays."),
            ),
        ),
        ircantec_excluded=frozenset({"astreintes"}),
        bonus_components=frozenset({"chef-clinique-region-prime-region-hdf"}),
        notes=(HU_IRCANTEC_NOTE,),
    ),
    "mg-400": PayModel(
        lines=(
            StatutoryLine(
                "hospitalier", "Partie hospitalière (PH 2e échelon, au prorata)", "Établissement de santé",
                ((1, "ph-annuel-echelon-2"),), by_hospital_share=True,
                published=("mg-400-remuneration-hospitaliere",),
            ),
        ),
        liberal=True,
        hospital_share=True,
        share_components=frozenset({"mg-400-remuneration-hospitaliere"}),
        notes=(M("La rémunération libérale dépend du nombre d'actes ; l'exercice salarié se négocie avec l'employeur.",
                 "Liberal pay depends on the number of acts; salaried practice is negotiated with the employer."),),
    ),
    "ccu-ah": _hospital_university(
        university="ccu-ah-salaire-universitaire", hospital="ccu-ah-remuneration-hospitaliere", iespe="ccu-ah-iespe"),
    "ahu": _hospital_university(
        university="ahu-salaire-universitaire", hospital="ahu-remuneration-hospitaliere", iespe="ahu-iespe"),
    "atp-regional": PayModel(
        lines=_assistant(base="atp-regional-traitement-base").lines,
        iespe_published=("atp-regional-iespe",),
        pet_published=("atp-regional-pet",),
        garde="garde-sujetion-assistant",
        astreinte=True,
        optional_components={"atp-regional-prime-region": "region_bonus"},
        bonus_components=frozenset({"atp-regional-prime-region"}),
    ),
    "assistant-bachelot": _assistant(base="assistant-bachelot-traitement-base", iespe="assistant-bachelot-iespe",
                                     pet="assistant-bachelot-pet"),
    "assistant-ambulatoire": _assistant(base="assistant-ambulatoire-traitement-base",
                                        iespe="assistant-ambulatoire-iespe"),
    "asr": _assistant(),
    # Île-de-France's ARS-funded shared assistants: the assistant grid; the pages publish no amount of pay.
    "asp-ars-idf": _assistant(),
    "astp-ville-hopital": _assistant(
        notes=(M("Le partage de la rémunération entre l'hôpital et la structure ambulatoire n'est pas publié : "
                 "la grille d'assistant est comptée à temps plein.",
                 "How pay is shared between the hospital and the ambulatory practice is not published: the "
                 "assistant grid is counted full time."),),
    ),
    "assistant-mixte-ville-hopital": _assistant(
        share=True,
        notes=(M("La part libérale (contrat de collaboration salariée) n'est pas publiée : seule la part hospitalière "
                 "est comptée.", "The liberal part (salaried collaboration contract) is not published: only the "
                 "hospital part is counted."),),
    ),
    "assistant-douleur-soins-palliatifs": _assistant(),
}


# A scheme created through the API has no pay model (models are domain knowledge, kept in code): the published
# method still counts what its pay components say, with no official grid beside them.
PUBLISHED_ONLY = PayModel(notes=(M(
    "Ce dispositif n'a pas de modèle de rémunération statutaire : seuls les montants publiés (composantes de "
    "rémunération) sont comptés, sans grille officielle, garde ni astreinte.",
    "This scheme has no statutory pay model: only the published amounts (pay components) are counted, with no "
    "official grid, garde or astreinte."),))


def named_codes(model: PayModel) -> tuple[set[str], set[str]]:
    """The pay component codes and the parameter codes a pay model names."""
    components = {code for line in model.lines for code in line.published}
    components |= set(model.iespe_published or ()) | set(model.pet_published or ())
    components |= set(model.share_components) | set(model.optional_components) | set(model.bonus_components)
    parameters = {code for line in model.lines for _, code in line.steps}
    parameters |= {code for code in (model.garde, model.zone_allowance, model.cpam_acts_threshold) if code}
    parameters |= set(model.semester_bonus or ())
    return components, parameters


def unknown_codes(components: dict[str, set[str]], parameters: set[str]) -> list[tuple[str, str, str]]:
    """(scheme, "pay_components" or "pay_parameters", code) for every code a pay model names that the catalogue
    lacks, for the schemes the catalogue has (`components`: scheme slug → its component codes). Checked when the
    catalogue is loaded, so that renaming a component or a parameter fails loudly instead of changing a result."""
    missing = []
    for slug, model in sorted(PAY_MODELS.items()):
        if slug not in components:
            continue
        named_components, named_parameters = named_codes(model)
        missing += [(slug, "pay_components", code) for code in sorted(named_components - components[slug])]
        missing += [(slug, "pay_parameters", code) for code in sorted(named_parameters - parameters)]
    return missing
