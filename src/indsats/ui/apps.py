from django.apps import AppConfig


class UiConfig(AppConfig):
    """What every page and report shares: forms in the design system's markup, a service's errors on the
    form, Danish/English formatting, the SVG chart toolkit and the front-page panel registry."""

    name = "indsats.ui"
    label = "ui"
    verbose_name = "Fælles brugerflade"
