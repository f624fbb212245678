"""The progress bar: drawn on a terminal, never into a file or pipe."""

import io

from briefing.progress import ProgressBar, terminal_progress


def test_the_bar_shows_stage_and_counts_and_clears():
    stream = io.StringIO()
    bar = ProgressBar(stream)
    bar("rendering", 15, 30)
    assert stream.getvalue() == "\rrendering   [" + "#" * 15 + "." * 15 + "] 15/30"
    bar("rendering", 30, 30)
    assert stream.getvalue().endswith("] 30/30")
    bar.clear()
    assert stream.getvalue().endswith("\r")


def test_no_bar_when_output_is_not_a_terminal():
    assert terminal_progress(io.StringIO()) is None
