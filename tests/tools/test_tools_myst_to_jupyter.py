"""Tests of tools.myst_to_jupyter: MyST chapters become plain Jupyter Markdown."""

from __future__ import annotations

import nbformat
import pytest

from tools.myst_to_jupyter import (
    FOLDED_TAG,
    SOLUTION_TAG,
    Citation,
    ConversionError,
    GlueValue,
    Options,
    Target,
    convert,
    leftover_myst,
)

SITE = "https://example.org/book/"


class FakeResolver:
    site = SITE

    def __init__(self) -> None:
        self.targets = {
            "eq-a": Target("equation", "chapters/one", "equation-eq-a", "(1.2)"),
            "eq-b": Target("equation", "chapters/two", "equation-eq-b", "(2.1)"),
            "fig-a": Target("figure", "chapters/one", "fig-a", "Fig. 1.3"),
            "ex-a": Target("exercise", "chapters/one", "ex-a", "Exercise 1.1"),
            "sec-a": Target("section", "chapters/two", "sec-a", "2.3", "Gradients"),
            "table-a": Target("table", "chapters/one", "table-a", "Table 1.1"),
        }
        self.values = {
            "n": GlueValue({"text/plain": "269322"}),
            "loss": GlueValue({"text/plain": "0.74235"}),
            "shape": GlueValue({"text/plain": "'(3, 16, 16)'"}),
            "device": GlueValue({"text/plain": "<Markdown>", "text/markdown": "`cpu`"}, True),
            "ms": GlueValue({"text/plain": "3.14159"}, True),
        }

    def glue(self, name: str) -> GlueValue | None:
        return self.values.get(name)

    def target(self, label: str) -> Target | None:
        return self.targets.get(label)

    def page(self, docname: str) -> Target | None:
        titles = {"chapters/one": "One", "chapters/two": "Two"}
        return Target("page", docname, "", "", titles[docname]) if docname in titles else None

    def citation(self, key: str) -> Citation | None:
        return {"mp43": Citation("McCulloch and Pitts", "1943")}.get(key)


def fmt(text: str, spec: str) -> str:
    return format(float(text), spec)


def run(*cells: nbformat.NotebookNode, measured: bool = True) -> list[nbformat.NotebookNode]:
    nb = nbformat.v4.new_notebook(cells=list(cells))
    options = Options(measured_values=measured, format_text=fmt)
    return convert(nb, FakeResolver(), "chapters/one", options).cells


def md(text: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_markdown_cell(text)


def code(text: str, **metadata: object) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(text, metadata=metadata)


def only_markdown(text: str, **kwargs: object) -> str:
    (cell,) = run(md(text), **kwargs)  # type: ignore[arg-type]
    assert leftover_myst(cell.source) == [], cell.source
    return cell.source


def test_glued_values_are_written_in() -> None:
    text = only_markdown("There are {glue:text}`n` parameters; loss {glue:text}`loss:.2f`.")
    assert text == "There are 269322 parameters; loss 0.74."


def test_glued_strings_lose_their_quotes_and_markdown_is_kept() -> None:
    assert only_markdown("Shape {glue:text}`shape` on {glue:md}`device`.") == (
        "Shape (3, 16, 16) on `cpu`."
    )


def test_measured_values_point_at_the_code_in_repository_notebooks() -> None:
    text = only_markdown("It took {glue:text}`ms:.1f` ms.", measured=False)
    assert text == "It took *(`ms`, printed by the code above)* ms."
    assert only_markdown("It took {glue:text}`ms:.1f` ms.") == "It took 3.1 ms."


def test_references_become_numbers_and_links() -> None:
    text = only_markdown(
        "See {eq}`eq-a`, {eq}`eq-b`, {numref}`fig-a`, {numref}`Figure %s <fig-a>`, "
        "{ref}`sec-a`, {ref}`this part <sec-a>` and {doc}`two`."
    )
    assert text == (
        "See (1.2), [(2.1)](https://example.org/book/chapters/two.html#equation-eq-b), "
        "[Fig. 1.3](https://example.org/book/chapters/one.html#fig-a), "
        "[Figure 1.3](https://example.org/book/chapters/one.html#fig-a), "
        "[Gradients](https://example.org/book/chapters/two.html#sec-a), "
        "[this part](https://example.org/book/chapters/two.html#sec-a) and "
        "[Two](https://example.org/book/chapters/two.html)."
    )


def test_citations_link_to_the_bibliography() -> None:
    link = "https://example.org/book/chapters/bibliography.html#cite-mp43"
    assert (
        only_markdown("A unit {cite:p}`mp43`.") == f"A unit ([McCulloch and Pitts, 1943]({link}))."
    )
    assert only_markdown("{cite:t}`mp43` wrote") == f"[McCulloch and Pitts]({link}) (1943) wrote"


def test_numbered_equations_carry_a_tag() -> None:
    text = only_markdown("$$\ny = Wx + b\n$$ (eq-a)\n\nafter")
    assert text == "$$\ny = Wx + b\n\\tag{1.2}\n$$\n\nafter"


def test_admonitions_become_quotes_and_targets_go() -> None:
    text = only_markdown(
        "(sec-x)=\n## Title\n\n:::{admonition} Learning goals\n:class: tip\n\n- one\n- two\n:::"
    )
    assert text == "## Title\n\n> **Learning goals**\n>\n> - one\n> - two"


def test_list_tables_become_pipe_tables() -> None:
    text = only_markdown(
        "```{list-table} Results\n:header-rows: 1\n:name: table-a\n\n"
        "* - model\n  - parameters\n* - MLP\n  - {glue:text}`n`\n```"
    )
    assert text == "**Results**\n\n| model | parameters |\n|---|---|\n| MLP | 269322 |"


def test_exercises_and_gated_solutions_are_hidden() -> None:
    cells = run(
        md(
            "## Exercises\n\n```{exercise} A vote\n:label: ex-a\n\nWhich $\\theta$?\n```\n\n"
            "````{solution-start} ex-a\n:class: dropdown\n````\n$\\theta = 2$."
        ),
        code("dl.check.answer('perceptron.majority-threshold', 2)"),
        md("````{solution-end}\n````\n\nAfter."),
    )
    first, solution_code, after = cells
    assert first.source == (
        "## Exercises\n\n**Exercise 1.1 (A vote).** Which $\\theta$?\n\n"
        "<details>\n<summary>Solution to Exercise 1.1</summary>\n\n$\\theta = 2$.\n\n</details>"
    )
    assert SOLUTION_TAG in solution_code.metadata["tags"]
    assert solution_code.metadata["jupyter"]["source_hidden"] is True
    assert solution_code.metadata["cellView"] == "form"
    assert solution_code.source.startswith("#@title Solution code: Exercise 1.1\n")
    assert after.source == "After."


def test_ungated_solutions_are_details_blocks() -> None:
    text = only_markdown("```{solution} ex-a\n:class: dropdown\n\nBecause.\n```")
    assert (
        text == "<details>\n<summary>Solution to Exercise 1.1</summary>\n\nBecause.\n\n</details>"
    )


def test_figure_captions_follow_their_cell_and_plumbing_is_folded() -> None:
    figure = code(
        "plt.plot(x)",
        tags=["hide-input"],
        mystnb={"figure": {"caption": "Loss of {glue:text}`n` steps.", "name": "fig-a"}},
    )
    cells = run(figure, code("glue('n', 3)", tags=["remove-cell"]))
    plot, caption, plumbing = cells
    assert "mystnb" not in plot.metadata
    assert caption.cell_type == "markdown"
    assert caption.source == "**Fig. 1.3.** Loss of 269322 steps."
    assert FOLDED_TAG in plumbing.metadata["tags"]
    assert plumbing.metadata["jupyter"]["source_hidden"] is True


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{glue:text}`missing`", "no glued value"),
        ("{eq}`eq-missing`", "unknown label"),
        ("{cite:p}`nobody`", "unknown citation"),
        ("{weird}`x`", "unknown role"),
        ("```{margin}\nx\n```", "unknown directive"),
        ("```{note}\nnever closed", "never closed"),
    ],
)
def test_what_cannot_be_converted_is_an_error(text: str, message: str) -> None:
    with pytest.raises(ConversionError, match=message):
        run(md(text))


def test_an_unclosed_solution_is_an_error() -> None:
    with pytest.raises(ConversionError, match="never closed"):
        run(md("````{solution-start} ex-a\n````\ntext"), code("x = 1"))


@pytest.mark.parametrize(
    "text",
    [
        "{glue:text}`x`",
        "```{note}\nx\n```",
        ":::{admonition} T\nx\n:::",
        "$$\nx\n$$ (eq-a)",
        "(label)=\n# T",
        ":class: tip",
    ],
)
def test_leftover_myst_is_found(text: str) -> None:
    assert leftover_myst(text)


def test_plain_markdown_has_no_leftovers() -> None:
    assert (
        leftover_myst("# T\n\n$$\nx \\tag{1}\n$$\n\n> **Note**\n\n```python\nx = {1: 2}\n```") == []
    )
