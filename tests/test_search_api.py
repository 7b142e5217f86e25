"""Every public function of ``mininn.search`` speaks the same words.

The rule (docs/architecture.md): a search or check of an output takes
``(net, output)`` positionally and everything else by keyword. The image
questions about a classifier take ``(net, label)``: the class each image must
keep, one per image, not an output to push up. Every result is a table
(``summary()`` and a notebook display); every search result carries ``x``,
``value``, ``xs``, ``values`` and ``stop_reason``.
"""
from __future__ import annotations

import inspect

import pytest

import mininn.search as search

FUNCTIONS = [name for name in search.__all__ if inspect.isfunction(getattr(search, name))]
CLASSIFIER_QUESTIONS = {"attack", "fgsm", "pgd", "margin", "certify", "robustness_radii"}
HELPERS = {"epsilon_box"}          # builds the boxes of an attack from X; no network involved


def test_the_walk_sees_every_kind_of_search():
    assert {"find_input", "best_binary_input", "best_box_input", "output_bounds",
            "saliency", "certify"} <= set(FUNCTIONS)


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - HELPERS))
def test_net_and_output_first_and_positional_everything_else_by_keyword(name):
    params = list(inspect.signature(getattr(search, name)).parameters.values())
    second = "label" if name in CLASSIFIER_QUESTIONS else "output"
    assert [p.name for p in params[:2]] == ["net", second]
    assert all(p.kind is p.POSITIONAL_OR_KEYWORD for p in params[:2])
    for p in params[2:]:
        assert p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD), f"{name}: {p.name} is not keyword-only"


@pytest.mark.parametrize("name", sorted(set(FUNCTIONS) - HELPERS))
def test_no_function_uses_the_words_that_were_retired(name):
    words = set(inspect.signature(getattr(search, name)).parameters)
    assert not words & {"maximize", "tol", "batch_size", "bound", "lo", "hi"}


@pytest.mark.parametrize("name", [n for n in search.__all__ if n.endswith("Result")])
def test_every_result_is_a_table(name):
    cls = getattr(search, name)
    assert callable(getattr(cls, "summary")) and callable(getattr(cls, "_repr_html_"))


@pytest.mark.parametrize("cls", [search.AscentResult, search.ExactResult, search.AttackResult])
def test_search_results_carry_the_shared_words(cls):
    fields = set(cls.__dataclass_fields__)
    assert {"x", "value", "xs", "values", "seconds"} <= fields
