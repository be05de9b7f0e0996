from django.apps import AppConfig


class UiConfig(AppConfig):
    """What every page and report shares: forms in the design system's markup, a service's errors on the
    form, Danish/English formatting, the SVG chart toolkit and the front-page panel registry."""

    name = "indsats.ui"
    label = "ui"
    verbose_name = "Fælles brugerflade"

    def ready(self) -> None:
        from django.urls import register_converter  # here: before any app's URL map is loaded

        from indsats.ui.converters import IdConverter  # loaded in ready(): the app registry is ready

        register_converter(IdConverter, "id")
