import logging

from indsats.config.log_filters import MaskCprFilter, mask_cpr


def test_cpr_shaped_numbers_are_masked_in_text():
    assert mask_cpr("barn 070761-4285 og 0707614285") == "barn [CPR] og [CPR]"


def test_other_numbers_are_left_alone():
    # an invalid day/month, a longer number, a price and a municipality code are not CPR numbers
    assert (
        mask_cpr("991399-1234 12345678901 1.250.000 kr. 751") == "991399-1234 12345678901 1.250.000 kr. 751"
    )


def test_a_log_record_and_its_exception_are_masked(caplog):
    logger = logging.getLogger("indsats.test")
    logger.addFilter(MaskCprFilter())
    try:
        raise ValueError("bad CPR 0707614285")
    except ValueError:
        with caplog.at_level(logging.ERROR, logger="indsats.test"):
            logger.exception("import failed for %s", "070761-4285")
    record = caplog.records[-1]
    assert record.getMessage() == "import failed for [CPR]"
    assert "0707614285" not in (record.exc_text or "")
    assert "[CPR]" in (record.exc_text or "")
