import io
import shutil
import subprocess
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from indsats.economy import exports, services
from indsats.economy.computation import run_computation
from indsats.economy.models import BusinessCase, BusinessCaseResult, ResultStatus
from tests.conftest import logged_in
from tests.economy.factories import (
    InterventionFactory,
    PriceIndexFactory,
    UnitPriceFactory,
    worked_example_case,
)

pytestmark = pytest.mark.django_db


def management(prefix, total, initial):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def edit_post(case, **overrides):
    """The edit form as the browser posts it for the worked example (2 costs, 1 outcome, no extra rows)."""
    data = {
        "name": case.name, "participants": "10", "price_year": "2024", "horizon_years": "3",
        "discount": "flat-0", "net_tax_factor": "1.28", "draws": "500", "seed": "1",
        **management("costs", 2, 2), **management("outcomes", 1, 1),
        "costs-0-name": "start-up", "costs-0-payer": "kommune", "costs-0-basis": "amount",
        "costs-0-value": "1000", "costs-0-years": "0",
        "costs-1-name": "sessions", "costs-1-payer": "kommune", "costs-1-basis": "per_participant",
        "costs-1-value": "50", "costs-1-years": "0, 1",
        "outcomes-0-name": "placements", "outcomes-0-effect_type": "relative",
        "outcomes-0-effect_estimate": "-0.2", "outcomes-0-effect_se": "0.05", "outcomes-0-baseline": "0.5",
        "outcomes-0-effect_source": "RCT 2024", "outcomes-0-full_years": "1", "outcomes-0-decay": "0.5",
        "outcomes-0-start_year": "0", "outcomes-0-unit_price_amount": "1000",
        "outcomes-0-unit_price_source": "egen beregning", "outcomes-0-share_kommune": "0.6",
        "outcomes-0-share_region": "0", "outcomes-0-share_stat": "0.4",
    }  # fmt: skip
    data.update(overrides)
    return data


def test_an_economist_creates_a_case_for_an_intervention(economist):
    intervention = InterventionFactory()
    response = logged_in(economist).post(
        reverse("economy:case_create"),
        {"intervention": intervention.pk, "name": "Familiebehandling 2025", "participants": "50",
         "price_year": "2024", "horizon_years": "10"},
    )  # fmt: skip
    case = BusinessCase.objects.get(name="Familiebehandling 2025")
    assert response.url == reverse("economy:case_edit", args=[case.pk])
    assert case.intervention == intervention and case.created_by == economist


def test_the_edit_page_offers_the_interventions_activities_and_the_catalogue_prices(economist):
    price = UnitPriceFactory(name="Anbringelse i plejefamilie", catalogue__is_published=True)
    case = worked_example_case(catalogue=price.catalogue)
    body = logged_in(economist).get(reverse("economy:case_edit", args=[case.pk])).content.decode()
    assert "Uddannelse af familiebehandlere" in body
    assert "Anbringelse i plejefamilie" in body
    assert 'name="csrfmiddlewaretoken"' in body


def test_edit_and_compute_shows_the_result_with_charts(economist):
    case = worked_example_case()
    client = logged_in(economist)
    response = client.post(
        reverse("economy:case_edit", args=[case.pk]),
        edit_post(case, **{"costs-0-value": "1200", "compute": "1"}),
    )
    result = BusinessCaseResult.objects.get(case=case)
    assert response.url == reverse("economy:result_detail", args=[result.pk])
    assert result.status == ResultStatus.DONE
    assert result.result["pv_costs"] == pytest.approx(2200.0)
    body = client.get(response.url).content.decode()
    assert "\u2212450\u00a0kr." in body  # NPV 1750 - 2200, Danish format
    assert body.count('role="img" aria-labelledby') == 3
    assert "Tornadodiagram" in body and result.inputs_hash in body


def test_an_engine_error_is_shown_on_the_outcome_row_and_nothing_is_saved(economist):
    case = worked_example_case()
    response = logged_in(economist).post(
        reverse("economy:case_edit", args=[case.pk]),
        edit_post(case, **{"costs-1-years": "0, 7"}),
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "Omkostning 2 (”sessions”), år: år 7 ligger uden for tidshorisonten" in body
    assert case.costs.get(name="sessions").years == "0, 1"


def test_a_form_error_names_the_row_and_the_field(economist):
    case = worked_example_case()
    response = logged_in(economist).post(
        reverse("economy:case_edit", args=[case.pk]),
        edit_post(case, **{"outcomes-0-share_stat": "0.3"}),
    )
    body = response.content.decode()
    assert "Effekt 1 (”placements”), andel kommune" in body
    assert "summerer til 0,9" in body


def test_a_bad_year_list_is_explained(economist):
    case = worked_example_case()
    response = logged_in(economist).post(
        reverse("economy:case_edit", args=[case.pk]), edit_post(case, **{"costs-0-years": "først"})
    )
    assert "”først” er ikke et år" in response.content.decode()


def test_a_deleted_row_is_removed(economist):
    case = worked_example_case()
    logged_in(economist).post(
        reverse("economy:case_edit", args=[case.pk]), edit_post(case, **{"costs-1-DELETE": "on"})
    )
    assert list(case.costs.values_list("name", flat=True)) == ["start-up"]


def test_compare_shows_two_results_side_by_side(economist):
    first = services.request_computation(actor=economist, case=worked_example_case(name="Model A"))
    second = services.request_computation(actor=economist, case=worked_example_case(name="Model B"))
    body = (
        logged_in(economist).get(reverse("economy:compare"), {"a": first.pk, "b": second.pk}).content.decode()
    )
    assert "Model A" in body and "Model B" in body
    assert body.count('role="img" aria-labelledby') == 4  # no draws: no histograms


def test_excel_export_reads_back_with_openpyxl(economist):
    result = services.request_computation(actor=economist, case=worked_example_case(draws=300))
    response = logged_in(economist).get(reverse("economy:result_excel", args=[result.pk]))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Nøgletal", "Input", "År", "Betalere", "Følsomhed"]
    figures = {row[0]: row[1] for row in book["Nøgletal"].iter_rows(values_only=True)}
    assert figures["Nettonutidsværdi (kr.)"] == pytest.approx(-250.0)
    assert figures["Inputs hash (SHA-256)"] == result.inputs_hash
    assert figures["Seed"] == 1
    years = list(book["År"].iter_rows(values_only=True))
    assert [row[0] for row in years[1:]] == [0, 1, 2]
    assert years[3][6] == pytest.approx(-250.0)  # cumulative discounted net, last year
    payers = {row[0]: row[3] for row in book["Betalere"].iter_rows(min_row=2, values_only=True)}
    assert payers["stat"] == pytest.approx(700.0)
    sensitivity = list(book["Følsomhed"].iter_rows(min_row=2, values_only=True))
    assert any(row[0] == "placements: effekt" for row in sensitivity)


def test_pdf_appendix_has_the_figures_and_charts(economist, tmp_path):
    result = services.request_computation(actor=economist, case=worked_example_case(draws=300))
    response = logged_in(economist).get(reverse("economy:result_pdf", args=[result.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    try:
        from pypdf import PdfReader
    except ImportError:
        PdfReader = None
    if PdfReader is not None:
        reader = PdfReader(io.BytesIO(response.content))
        text = "\n".join(page.extract_text() for page in reader.pages)
        assert 1 <= len(reader.pages) <= 6
    elif shutil.which("pdftotext"):
        path = tmp_path / "bilag.pdf"
        path.write_bytes(response.content)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
    else:
        # neither pypdf nor pdftotext here: read the text and pages of the laid-out document instead
        document = exports.pdf_document(result)
        assert 1 <= len(document.pages) <= 6
        text = "\n".join(
            box.text
            for page in document.pages
            for box in page._page_box.descendants()
            if hasattr(box, "text")
        )
    assert "Nettonutidsværdi" in text and "Tornadodiagram" not in text  # the SVG title is not page text
    assert result.inputs_hash[:20] in text.replace("\n", "")


def test_the_status_fragment_polls_until_the_background_result_is_done(economist, settings):
    case = worked_example_case(draws=services.INLINE_DRAWS + 1)
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    result = services.request_computation(actor=economist, case=case)
    client = logged_in(economist)
    page = client.get(reverse("economy:result_detail", args=[result.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page and "0 af 50.001 træk" in page
    run_computation(result_id=result.pk)
    fragment = client.get(reverse("economy:result_status", args=[result.pk]), headers={"HX-Request": "true"})
    assert fragment.headers.get("HX-Refresh") == "true"


def test_the_steering_group_reads_but_cannot_edit_or_compute(steering_member, economist):
    result = services.request_computation(actor=economist, case=worked_example_case())
    client = logged_in(steering_member)
    case = result.case
    assert client.get(reverse("economy:index")).status_code == 200
    body = client.get(reverse("economy:case_detail", args=[case.pk])).content.decode()
    assert "Hent Excel" in body and reverse("economy:case_edit", args=[case.pk]) not in body
    assert client.get(reverse("economy:case_edit", args=[case.pk])).status_code == 403
    assert client.post(reverse("economy:case_compute", args=[case.pk])).status_code == 403
    assert client.get(reverse("economy:case_create")).status_code == 403


def test_municipality_staff_cannot_reach_any_business_case_page(aarhus_caseworker, economist):
    result = services.request_computation(actor=economist, case=worked_example_case())
    client = logged_in(aarhus_caseworker)
    case = result.case
    for url in [
        reverse("economy:index"),
        reverse("economy:compare") + f"?a={result.pk}",
        reverse("economy:case_detail", args=[case.pk]),
        reverse("economy:case_edit", args=[case.pk]),
        reverse("economy:case_create"),
        reverse("economy:result_detail", args=[result.pk]),
        reverse("economy:result_status", args=[result.pk]),
        reverse("economy:result_excel", args=[result.pk]),
        reverse("economy:result_pdf", args=[result.pk]),
    ]:
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("economy:case_compute", args=[case.pk])).status_code == 403
    assert BusinessCaseResult.objects.count() == 1


def test_the_result_page_does_not_repeat_queries_per_row(economist, django_assert_max_num_queries):
    case = worked_example_case()
    for index in range(5):
        case.outcomes.create(
            name=f"extra {index}", baseline=Decimal("0.1"), effect_type="relative", effect_estimate=Decimal("-0.1"),
            effect_source="x", unit_price_amount=Decimal("100"), unit_price_source="x",
        )  # fmt: skip
    services.request_computation(actor=economist, case=case)
    client = logged_in(economist)
    with django_assert_max_num_queries(20):
        client.get(reverse("economy:case_detail", args=[case.pk]))


def test_the_case_history_is_readable_by_the_economist_but_not_a_caseworker(economist, aarhus_caseworker):
    from indsats.history.templatetags.history_tags import history_url

    case = worked_example_case()
    services.save_business_case(
        actor=economist, case=case, fields={"participants": 11}, costs=[], outcomes=[]
    )
    url = history_url(case)
    assert logged_in(economist).get(url).status_code == 200
    assert logged_in(aarhus_caseworker).get(url).status_code in {403, 404}


def test_the_gate_review_reads_the_latest_economy_facts(economist):
    from indsats.economy.evidence import business_case_facts
    from indsats.economy.selectors import latest_economy_facts
    from indsats.interventions.evidence import providers_for

    case = worked_example_case(draws=400)
    assert latest_economy_facts(case.intervention) is None
    result = services.request_computation(actor=economist, case=case)
    facts = latest_economy_facts(case.intervention)
    assert facts["result_id"] == result.pk and facts["npv"] == pytest.approx(-250.0)
    assert facts["break_even_year"] is None and 0 <= facts["p_positive"] <= 1
    assert facts["computed_at"] == result.computed_at
    assert business_case_facts in providers_for("economy")
    shown = {fact.label: fact.value for fact in business_case_facts(case.intervention)}
    assert shown["Nettonutidsværdi"] == "\u2212250\u00a0kr."
    assert shown["Tilbagebetaling"] == "ikke inden for horisonten"


def test_a_new_case_defaults_to_the_newest_price_index_year_and_offers_only_index_years(economist):
    """Today's year is not in the index: defaulting to it made every catalogue price fail on save."""
    for year in (2022, 2023, 2024):
        PriceIndexFactory(year=year)
    body = logged_in(economist).get(reverse("economy:case_create")).content.decode()
    assert '<option value="2024" selected>2024</option>' in body
    assert "Prisindekset har tal for 2022–2024" in body
    assert "2026" not in body.split('id="id_price_year"')[1].split("</select>")[0]

    refused = logged_in(economist).post(
        reverse("economy:case_create"),
        {"intervention": InterventionFactory().pk, "name": "Ny", "participants": "5",
         "price_year": "2026", "horizon_years": "10"},
    )  # fmt: skip
    assert refused.status_code == 200 and not BusinessCase.objects.filter(name="Ny").exists()


def test_an_edited_case_keeps_its_year_even_when_the_index_lacks_it(economist):
    PriceIndexFactory(year=2023)
    case = worked_example_case(price_year=2019)
    body = logged_in(economist).get(reverse("economy:case_edit", args=[case.pk])).content.decode()
    select = body.split('id="id_price_year"')[1].split("</select>")[0]
    assert '<option value="2019" selected>2019</option>' in select and ">2023<" in select


def test_a_double_click_on_compute_makes_one_result(economist):
    case = worked_example_case()
    client = logged_in(economist)
    first = client.post(reverse("economy:case_compute", args=[case.pk]))
    second = client.post(reverse("economy:case_compute", args=[case.pk]))
    assert first.url == second.url and BusinessCaseResult.objects.filter(case=case).count() == 1
