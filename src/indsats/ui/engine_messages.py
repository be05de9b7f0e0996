"""Engine errors in the reader's language: ``engine_message(error)``.

The engine is pure (no Django, no gettext): its errors carry a stable ``code``, the ``params`` of the
message and an English default for the command line (``indsats.engine.base.errors``). A page turns an
engine error into text here, through gettext: the Danish messages below are the msgids, their English
translations live in locale/en. So a Danish page never shows an English sentence from the engine, and an
English page never shows a Danish one. The text is a clause like the engine's English ("skal være et
tal"), to follow a label or to stand in a sentence; a message on its own is given ``capfirst``. The
field path (``outcomes[2].payers``) is not part of the text: a caller that shows it (or maps it to a
form field) reads ``error.field``. CPR messages are whole sentences.

tests/ui/test_engine_messages.py checks that every code of every engine error has a message here and a
translation in the catalogue.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from django.utils.formats import number_format
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from indsats.engine.allocation import AllocationInputError
from indsats.engine.base.errors import EngineError, StatisticsInputError
from indsats.engine.cpr import CprError
from indsats.engine.instruments import InstrumentDefinitionError, UnknownInstrument
from indsats.engine.investment.case_document import CaseError
from indsats.engine.investment.discounting import DiscountScheduleError
from indsats.engine.scoring import AnswerError

STATISTICS: dict[str, Promise] = {
    "not_a_number": _("værdien „%(value)s“ på plads %(position)s er ikke et tal; angiv kun tal"),
    "not_one_dimensional": _("der skal være én værdi pr. barn (en liste), men formen er %(shape)s"),
    "infinite_value": _("værdien på plads %(position)s er uendelig; angiv endelige tal"),
    "covariates_not_numbers": _("baggrundsvariablerne skal alle være tal; kod kategorier som 0/1"),
    "wrong_row_count": _("der skal være %(expected)s rækker (én pr. barn), men formen er %(shape)s"),
    "infinite_cell": _("værdien i række %(row)s, kolonne %(column)s er uendelig"),
    "not_zero_or_one": _(
        "værdien %(value)s på plads %(position)s er hverken 0 eller 1; kod indsatsgruppen som 1 og "
        "sammenligningsgruppen som 0"
    ),
    "wrong_value_count": _("der skal være %(expected)s værdier (én pr. barn), men formen er %(shape)s"),
    "length_differs": _(
        "der er %(length)s værdier, men %(other)s har %(expected)s; angiv én værdi pr. barn i hver"
    ),
    "confidence_out_of_range": _("konfidensniveauet skal ligge mellem 0,5 og 1, ikke %(confidence)s"),
    "too_few_rows": _("%(n)s komplette rækker er for få til en model med %(k)s parametre"),
    "collinear_columns": _(
        "modellens kolonner (%(names)s) er kollineære: en baggrundsvariabel er konstant eller gentager en "
        "anden; fjern den"
    ),
    "too_few_clusters": _("klyngerobuste standardfejl kræver mindst 2 klynger"),
    "bootstrap_replicates": _("angiv 0 (ingen bootstrap) eller mindst 100 gentagelser, ikke %(replicates)s"),
    "sd_not_positive": _("standardafvigelserne skal være positive"),
    "too_few_pairs": _("kun %(n)s børn har både en før- og en eftermåling; der skal være mindst 3"),
    "reliability_out_of_range": _(
        "reliabiliteten skal ligge mellem 0 og 1 (fx Cronbachs alfa), ikke %(reliability)s"
    ),
    "sd_reference_not_positive": _("referencespredningen skal være positiv, ikke %(sd_reference)s"),
    "too_few_per_group": _(
        "der skal være mindst 2 børn i hver gruppe; der er %(n_treated)s i indsatsgruppen og "
        "%(n_control)s i sammenligningsgruppen"
    ),
    "balance_needs_complete_data": _("balancen kræver komplette data; udelad rækker med manglende værdier"),
    "covariate_names_count": _("der er %(names)s navne til %(columns)s kolonner med baggrundsvariabler"),
    "too_few_complete_per_group": _(
        "der skal være mindst 2 børn med komplette data i hver gruppe; der er %(n_treated)s i "
        "indsatsgruppen og %(n_control)s i sammenligningsgruppen"
    ),
    "propensity_needs_complete_data": _(
        "propensitetsmodellen kræver komplette data; udelad rækker med manglende værdier"
    ),
    "covariates_collinear": _(
        "baggrundsvariablerne (%(names)s) er kollineære, eller én er konstant; fjern den"
    ),
    "ratio_below_one": _("antallet af sammenligningsbørn pr. barn skal være mindst 1, ikke %(ratio)s"),
    "caliper_not_positive": _(
        "caliperen skal være positiv (i standardafvigelser af logit-propensiteten), ikke %(caliper)s"
    ),
    "propensity_out_of_range": _("propensitetsscorerne skal ligge strengt mellem 0 og 1"),
    "nothing_within_caliper": _(
        "intet barn i indsatsgruppen har et sammenligningsbarn inden for caliperen; gør den bredere, eller "
        "tjek overlappet"
    ),
    "no_covariates": _("angiv mindst én baggrundsvariabel for at kunne beregne propensitetsscorer"),
    "unknown_estimand": _("estimanden skal være „ate“ eller „att“, ikke „%(estimand)s“"),
    "empty_cell": _(
        "der er ingen målinger i en af de fire celler (gruppe og periode); alle fire skal have målinger"
    ),
    "period_straddles_start": _("hver periode skal ligge helt før eller helt efter starten"),
    "no_exposure_variation": _("alle børn har fået lige meget af indsatsen; en hældning kræver variation"),
    "bands_below_one": _("antallet af intervaller skal være mindst 1, ikke %(bands)s"),
    "band_edges": _("intervalgrænserne skal være mindst to stigende tal"),
    "no_subgroup_data": _("ingen undergruppe har data til analysen"),
    "events_out_of_range": _(
        "studie %(study)s: antallet af hændelser skal ligge mellem 0 og gruppens størrelse"
    ),
    "invalid_study_value": _("studie %(study)s har en ugyldig værdi"),
    "unknown_method": _("metoden skal være en af %(methods)s, ikke „%(method)s“"),
    "study_value_missing": _("studie %(study)s mangler en værdi"),
    "variance_not_positive": _(
        "studie %(study)s har variansen %(variance)s; varianser skal være større end 0"
    ),
    "too_few_studies": _("en metaanalyse kræver mindst 2 studier, ikke %(k)s"),
    "no_strata": _("angiv mindst ét stratum med dets antal pladser"),
    "one_stratum_only": _(
        "metoden %(method)s har ét stratum, ikke %(strata)s; brug stratificeret lodtrækning"
    ),
    "stratum_size_invalid": _(
        "stratum %(stratum)s: antallet af pladser skal være et helt tal på mindst 1, ikke %(size)s"
    ),
    "block_size_invalid": _("blokstørrelsen skal være et lige tal på mindst 2, ikke %(block_size)s"),
    "study_labels_count": _("der er %(labels)s navne til %(k)s studier"),
}

DISCOUNTING: dict[str, Promise] = {
    "discount_not_a_schedule": _(
        "diskonteringen skal være navnet på en rentesats-plan eller en liste af par [første år, rente]"
    ),
    "unknown_discount_schedule": _("rentesats-planen „%(name)s“ findes ikke; vælg en af %(known)s"),
    "discount_schedule_empty": _("listen af par [første år, rente] er tom"),
    "flat_rate_not_a_percentage": _(
        "„%(name)s“: den faste rente skal være en procentsats som „flat-4“ eller „flat-3.5“"
    ),
    "discount_step_not_a_pair": _("skal være et par [første år, rente], fx [0, 0.035]"),
    "discount_first_year_not_whole": _("det første år skal være et helt tal, ikke %(first)s"),
    "discount_rate_not_a_number": _("renten skal være et tal, ikke %(rate)s"),
    "discount_rate_too_high": _(
        "renten %(rate)s er 100 %% eller mere; skriv renter som brøker (0.035 for 3,5 %%)"
    ),
    "discount_rate_too_low": _("renten %(rate)s skal være over -1 (-100 %%)"),
    "discount_first_step_not_year_0": _("det første trin skal begynde i år 0, ikke %(first)s"),
    "discount_years_not_increasing": _("de første år skal stige; %(first)s kommer efter %(previous)s"),
}

BUSINESS_CASE: dict[str, Promise] = {
    **DISCOUNTING,
    "above_maximum": _("skal være højst %(maximum)s (er %(value)s)"),
    "amount_and_per_participant": _(
        "angiv enten et beløb for hele casen eller et beløb pr. deltager pr. år, ikke begge"
    ),
    "amount_or_per_participant_missing": _(
        "angiv enten et beløb for hele casen eller et beløb pr. deltager pr. år; begge mangler"
    ),
    "baseline_missing": _(
        "udgangsniveauet mangler; en relativ effekt ændrer udgangsniveauet, så det skal angives"
    ),
    "below_minimum": _("skal være mindst %(minimum)s (er %(value)s)"),
    "below_minimum_whole": _("skal være mindst %(minimum)s (er %(value)s)"),
    "beta_estimate_out_of_range": _(
        "en værdi med beta-fordeling skal have et estimat mellem 0 og 1 (er %(estimate)s)"
    ),
    "beta_se_too_large": _(
        "standardfejlen %(se)s er for stor til en beta-fordeling med middelværdien %(estimate)s; den skal "
        "være under %(limit)s"
    ),
    "case_not_an_object": _("casen skal være et JSON-objekt"),
    "costs_missing": _("omkostningerne mangler; angiv en liste af omkostninger (den må være tom)"),
    "costs_not_a_list": _("skal være en liste af omkostninger"),
    "draws_out_of_range": _("antallet af træk skal være et helt tal fra 0 til %(maximum)s, ikke %(draws)s"),
    "seed_out_of_range": _("startværdien skal være et helt tal, 0 eller derover, ikke %(seed)s"),
    "empty_text": _("skal være en tekst, der ikke er tom"),
    "estimate_outside_interval": _(
        "estimatet %(estimate)s ligger uden for sit interval [%(ci_low)s; %(ci_high)s]"
    ),
    "estimate_outside_low_high": _("kræver lav ≤ estimat ≤ høj (er %(low)s, %(estimate)s og %(high)s)"),
    "horizon_too_long": _("%(horizon)s år er mere end grænsen på %(limit)s år"),
    "intakes_empty": _("skal være en liste af optag (år og deltagere), der ikke er tom"),
    "interval_reversed": _("intervallets nedre grænse %(ci_low)s ligger over den øvre %(ci_high)s"),
    "lognormal_estimate_not_positive": _(
        "en værdi med lognormal fordeling skal have et estimat over 0 (er %(estimate)s)"
    ),
    "low_high_only_for_triangular": _(
        "gælder kun trekantfordelingen; angiv ellers en standardfejl eller et konfidensinterval"
    ),
    "missing": _("mangler"),
    "negative_cost": _(
        "må ikke være negativ (fik %(value)s); en besparelse hører til under gevinster eller det, der ellers "
        "var brugt"
    ),
    "not_a_number": _("skal være et tal"),
    "not_above_minimum": _("skal være over %(minimum)s (er %(value)s)"),
    "not_an_object": _("skal være et objekt"),
    "not_finite": _("skal være et endeligt tal, ikke %(value)s"),
    "not_text": _("skal være en tekst"),
    "not_whole_number": _("skal være et helt tal, ikke %(raw)s"),
    "outcome_name_repeated": _(
        "„%(name)s“ bruges allerede af en tidligere gevinst; navnene skal være forskellige"
    ),
    "outcomes_not_a_list": _("skal være en liste af gevinster (den må være tom)"),
    "participants_differ_from_intakes": _(
        "%(participants)s afviger fra de %(total)s deltagere i optagene; med optag skal antallet af "
        "deltagere være deres sum (eller udelades)"
    ),
    "participants_missing": _(
        "antallet af deltagere mangler; angiv et tal over 0 eller en liste af optag (år og deltagere)"
    ),
    "payer_name_empty": _("navnet på en betaler skal være en tekst, der ikke er tom"),
    "payers_not_an_object": _("skal være betalernes andele, fx kommune 0,7 og stat 0,3"),
    "price_index_key_not_a_year": _("nøglen „%(key)s“ skal være et årstal som „2024“"),
    "price_index_missing": _(
        "prisen er i %(source_year)s-priser, og der er intet prisindeks at omregne til %(price_year)s med; "
        "tilføj indekstal for begge år under Prisindeks"
    ),
    "price_index_year_missing": _("prisindekset har intet tal for %(year)s; tilføj det under Prisindeks"),
    "public_payers_not_a_list": _("skal være en liste af betalere, fx kommune og stat"),
    "se_and_interval": _("angiv enten en standardfejl eller et konfidensinterval, ikke begge"),
    "sensitivity_range_too_large": _("skal være en andel under 1 (0,2 for ±20 %%)"),
    "shares_do_not_sum_to_one": _("andelene summerer til %(total)s; de skal summere til 1"),
    "triangular_needs_low_and_high": _(
        "en trekantfordeling fastlægges af en lav og en høj værdi (og estimatet som typeværdi)"
    ),
    "unknown_cost_category": _("„%(category)s“ er ikke en af kategorierne %(names)s"),
    "unknown_distribution": _("„%(distribution)s“ er ikke en af fordelingerne %(names)s"),
    "unknown_effect_type": _("„%(effect_type)s“ skal være „relative“ eller „absolute“"),
    "unknown_field": _("ukendt felt; de kendte felter her er %(names)s"),
    "year_and_years": _("angiv enten ét år eller en liste af år, ikke begge"),
    "year_listed_twice": _("et år står der to gange; angiv hvert år én gang"),
    "year_or_years_missing": _("angiv enten ét år eller en liste af år; begge mangler"),
    "year_outside_horizon": _(
        "år %(year)s ligger uden for tidshorisonten: årene går fra 0 til %(last)s "
        "(tidshorisont %(horizon)s år)"
    ),
    "years_empty": _("skal være en liste af år, der ikke er tom, fx [0, 1, 2]"),
}

CPR: dict[str, Promise] = {
    "not_text": _("CPR-nummeret skal være en tekst."),
    "empty": _("CPR-nummeret mangler."),
    "characters": _(
        "CPR-nummeret må kun indeholde cifre, eventuelt med en bindestreg efter de første seks (DDMMÅÅ-SSSS)."
    ),
    "length": _("CPR-nummeret skal have 10 cifre (DDMMÅÅ-SSSS); det har %(length)s."),
    "date": _("CPR-nummerets første seks cifre er ikke en gyldig dato (DDMMÅÅ)."),
    "future": _("CPR-nummerets fødselsdato ligger i fremtiden; tjek cifrene."),
}

ANSWERS: dict[str, Promise] = {
    "answers_not_numbers": _("svarene skal være tal (tomt for et manglende svar)"),
    "answers_wrong_shape": _(
        "%(instrument)s har %(n_items)s spørgsmål (%(items)s), så der skal være %(n_items)s svar pr. "
        "besvarelse; formen er %(shape)s"
    ),
    "answers_off_scale": _(
        "%(count)s svar ligger uden for skalaen; det første er %(value)s i række %(row)s, %(item)s"
    ),
}

UNKNOWN_INSTRUMENT: dict[str, Promise] = {
    "unknown_instrument": _("måleredskabet „%(key)s“ findes ikke; måleredskaberne er: %(known)s"),
    "unknown_instrument_version": _("%(key)s har ingen version %(version)s (den har: %(listed)s)"),
}

INSTRUMENT_DEFINITION: dict[str, Promise] = {
    "age_max_below_age_min": _("den højeste alder %(age_max)s er under den laveste %(age_min)s"),
    "bad_age": _("skal være et helt antal år fra 0 til 130 eller null"),
    "bad_decimals": _("skal være et helt tal fra 0 til %(maximum)s eller null"),
    "bad_end_labels": _("skal være to betegnelser: den lave ende og den høje ende"),
    "bad_instrument_key": _("„%(key)s“ må kun bestå af små bogstaver, cifre og bindestreger"),
    "bad_min_answered": _("skal være et helt tal fra 1 til antallet af spørgsmål (%(count)s)"),
    "bad_name": _("må kun bestå af små bogstaver, cifre og understreger og skal begynde med et bogstav"),
    "bad_range_step": _("skal være over 0 og højst max - min"),
    "bad_version": _("skal være et helt tal fra 1"),
    "band_code_repeated": _("„%(code)s“ bruges allerede af et tidligere interval"),
    "band_max_below_min": _("%(maximum)s er under min %(minimum)s"),
    "band_scheme_empty": _("skal angive intervaller for mindst én score"),
    "band_scheme_key_repeated": _("„%(key)s“ bruges allerede af en tidligere inddeling"),
    "bands_do_not_cover_range": _(
        "intervallerne dækker %(minimum)s-%(maximum)s, men scoren kan være %(lowest)s-%(highest)s"
    ),
    "bands_overlap": _(
        "%(minimum)s overlapper intervallet før (op til %(previous)s); angiv intervallerne fra lave til høje "
        "scorer"
    ),
    "definition_not_an_object": _("skal være et JSON-objekt"),
    "definition_part_not_an_object": _("skal være et objekt"),
    "factor_zero": _("må ikke være 0"),
    "file_name_mismatch": _(
        "filnavnet siger %(file_key)s v%(file_version)s, men definitionen siger %(key)s v%(version)s"
    ),
    "item_key_repeated": _("„%(key)s“ bruges allerede af et tidligere spørgsmål"),
    "member_listed_twice": _("„%(member)s“ står der to gange"),
    "members_on_different_scales": _(
        "„%(member)s“ har en anden skala end „%(first)s“; en delskalas spørgsmål har samme skala"
    ),
    "no_scales": _("skal angive mindst én svarskala"),
    "not_a_finite_number": _("skal være et endeligt tal"),
    "not_a_list": _("skal være en liste"),
    "not_a_localised_text": _("skal være et objekt med en dansk og en engelsk tekst (da og en)"),
    "not_a_non_empty_list": _("skal være en liste med mindst ét element"),
    "not_a_scale_value": _("er ikke en værdi på skalaen (%(scale)s)"),
    "not_a_text": _("skal være en tekst"),
    "not_one_of": _("skal være en af %(names)s"),
    "not_true_or_false": _("skal være true eller false"),
    "range_max_not_above_min": _("skal være over min"),
    "recode_key_not_a_number": _("„%(value)s“ er ikke et tal"),
    "recode_on_continuous_scale": _("kun spørgsmål på en skala med faste værdier kan omkodes"),
    "recode_value_missing": _("skal give en score for hver værdi på skalaen; %(value)s har ingen"),
    "scale_values_not_increasing": _("værdierne skal stå i stigende orden"),
    "scale_without_values_or_range": _("skal have enten faste værdier (values) eller et interval (range)"),
    "score_key_taken": _("„%(key)s“ er allerede nøglen til et spørgsmål eller en score"),
    "text_empty": _("skal være en tekst, der ikke er tom"),
    "threshold_not_positive": _("skal være over 0"),
    "unknown_component": _("„%(component)s“ er hverken en delskala eller en tidligere sammensat score"),
    "unknown_definition_field": _("er ikke et felt i en definition af et måleredskab"),
    "unknown_field_here": _("er ikke et felt her"),
    "unknown_item": _("„%(item)s“ er ikke et spørgsmål i dette måleredskab"),
    "unknown_language": _("kun sprogene da og en læses"),
    "unknown_scale": _("„%(scale)s“ er ikke en af skalaerne"),
    "unknown_schema_version": _(
        "skal være %(version)s (denne version af Indsats læser skemaversion %(version)s)"
    ),
    "unknown_score": _("„%(score)s“ er hverken en delskala eller en sammensat score"),
}

ALLOCATION: dict[str, Promise] = {
    "not_a_number": _("skal være et tal, ikke %(value)s"),
    "not_finite": _("skal være et endeligt tal, ikke %(value)s"),
    "below_minimum": _("skal være mindst %(minimum)s, ikke %(number)s"),
    "unknown_candidate_field": _("ukendt felt; felterne er %(fields)s"),
    "candidate_field_required": _("skal udfyldes"),
    "not_a_candidate": _("skal være et initiativ"),
    "empty_candidate_key": _("angiv en nøgle, der ikke er tom, ikke %(key)s"),
    "name_not_text": _("navnet skal være en tekst, ikke %(name)s"),
    "min_share_out_of_range": _(
        "mindsteandelen skal være over 0 og højst 1 (1 = fuldt finansieret), ikke %(min_share)s"
    ),
    "max_share_out_of_range": _(
        "højsteandelen skal ligge mellem mindsteandelen (%(min_share)s) og 1, ikke %(max_share)s"
    ),
    "keys_not_a_list": _("skal være en liste af initiativernes nøgler, ikke %(keys)s"),
    "unknown_candidate_key": _("ukendt initiativ „%(key)s“; brug et af initiativernes nøgler"),
    "not_a_group": _("skal være en gruppe af initiativer"),
    "group_without_keys": _("angiv mindst ét initiativ i gruppen"),
    "bad_min_selected": _("det mindste antal skal være et helt tal, 0 eller derover"),
    "min_selected_above_group_size": _(
        "gruppen kræver mindst %(min_selected)s, men har kun %(count)s initiativer"
    ),
    "bad_max_selected": _(
        "det største antal skal være et helt tal, mindst det mindste antal (%(min_selected)s)"
    ),
    "bad_top_k": _("antallet af kombinationer skal være et helt tal fra 1 til %(maximum)s, ikke %(top_k)s"),
    "no_candidates": _("angiv mindst ét initiativ"),
    "duplicate_candidate_key": _(
        "nøglen „%(key)s“ bruges også af initiativ nr. %(other)s; giv hvert initiativ sin egen nøgle"
    ),
    "not_constraints": _("skal være betingelser for fordelingen"),
    "included_and_excluded": _(
        "initiativet „%(key)s“ skal både med og ikke med; behold det i kun én af listerne"
    ),
    "groups_not_a_list": _("skal være en liste af grupper"),
    "must_include_over_budget": _(
        "de initiativer, der skal med, koster %(cost)s kr. (ved deres mindsteandele), mere end budgettet på "
        "%(budget)s kr.; hæv budgettet, eller tag færre med"
    ),
    "group_infeasible": _(
        "gruppen „%(group_name)s“ kan ikke opfyldes inden for budgettet på %(budget)s kr. sammen med "
        "listerne over initiativer, der skal eller ikke må med; løsn den, eller hæv budgettet"
    ),
    "groups_infeasible_together": _(
        "grupperne %(names)s kan hver for sig opfyldes, men ikke alle på én gang inden for budgettet på "
        "%(budget)s kr.; løsn en af dem, eller hæv budgettet"
    ),
}

CATALOGUES: Mapping[type[EngineError], Mapping[str, Promise]] = {
    StatisticsInputError: STATISTICS,
    DiscountScheduleError: DISCOUNTING,
    CaseError: BUSINESS_CASE,
    CprError: CPR,
    AnswerError: ANSWERS,
    InstrumentDefinitionError: INSTRUMENT_DEFINITION,
    UnknownInstrument: UNKNOWN_INSTRUMENT,
    AllocationInputError: ALLOCATION,
}
"""Each kind of engine error (a subclass is found through its parents) and its messages by code."""


def engine_message(error: EngineError) -> str:
    """The error's message in the active language (Danish unless the person chose English)."""
    template = _template(error)
    if template is None:  # pragma: no cover - tests/ui/test_engine_messages.py keeps the catalogue whole
        return error.message
    text = str(template) % {name: _shown(value) for name, value in error.params.items()}
    if isinstance(error, AllocationInputError):
        if "candidate" in error.params:
            return gettext("Initiativet „%(key)s“: %(message)s") % {
                "key": error.params["candidate"],
                "message": text,
            }
        if "group" in error.params:
            return gettext("Gruppen „%(name)s“: %(message)s") % {
                "name": error.params["group"],
                "message": text,
            }
    return text


def _template(error: EngineError) -> Promise | None:
    for kind in type(error).__mro__:
        catalogue = CATALOGUES.get(kind)  # type: ignore[call-overload]  # any class of the MRO may be asked
        if catalogue is not None:
            return catalogue.get(error.code)
    return None


def _shown(value: Any) -> str:
    """A parameter as the reader's locale writes it: numbers with the locale's decimal mark."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, float) and not value.is_integer():
        return number_format(float(f"{value:.6g}"), use_l10n=True)
    if abs(value) < 10_000:  # years and counts are written without a thousands separator
        return str(int(value))
    return number_format(int(value), use_l10n=True, force_grouping=True)
