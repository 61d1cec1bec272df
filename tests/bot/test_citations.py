"""Citation markers: one per run of sentences from a source, after the run."""

from __future__ import annotations

from supportbot.bot.citations import MARKER, CitationWriter, CitedSentence, citation_spans, cited_numbers, write_cited
from supportbot.text.sentences import split_sentences


def test_a_run_of_sentences_from_one_source_gets_one_marker_after_it():
    text = write_cited([CitedSentence("A.", 1), CitedSentence("B.", 1), CitedSentence("C.", 2), CitedSentence("Anything else?", None)])
    assert text == "A. B. [1] C. [2] Anything else?"
    assert cited_numbers(text) == [1, 2]


def test_streamed_text_adds_up_to_the_whole_answer():
    writer = CitationWriter()
    shown = [writer.add(CitedSentence("A.", 2)), writer.add(CitedSentence("B.", 3)), writer.finish()]
    assert shown == ["A.", " [2] B.", " [3]"]


def test_spans_separate_markers_from_text_for_channels_to_link():
    assert list(citation_spans("Refunds take 5-7 days. [1] Thanks!")) == [("Refunds take 5-7 days. ", None), ("[1]", 1), (" Thanks!", None)]


def test_list_items_without_a_full_stop_are_set_as_a_list_and_split_back_into_the_same_sentences():
    quoted = [CitedSentence("Returns are free.", 1), CitedSentence("Clearance items", 1), CitedSentence("Gift cards", 1), CitedSentence("Ask us.", 2)]
    text = write_cited(quoted)
    assert text == "Returns are free.\n- Clearance items\n- Gift cards [1]\n\nAsk us. [2]"
    assert split_sentences(MARKER.sub("", text)) == [sentence.text for sentence in quoted]
