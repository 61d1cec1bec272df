import pytest

from beir_fixtures import write_beir
from supportbot.errors import DatasetError
from supportbot.evaluation.beir import load_beir


def test_loads_dataset_and_counts_queries_without_relevant_documents(tmp_path):
    dataset = load_beir(write_beir(tmp_path / "ds"))
    assert set(dataset.corpus) == {"d1", "d2", "d3"}
    assert set(dataset.queries) == {"q1", "q2", "q3"}
    assert dataset.skipped_queries == 1


def test_missing_queries_file_is_named(tmp_path):
    folder = write_beir(tmp_path / "ds")
    (folder / "queries.jsonl").unlink()
    with pytest.raises(DatasetError, match=r"queries\.jsonl is missing"):
        load_beir(folder)


def test_qrels_with_unknown_corpus_id_names_file_and_line(tmp_path):
    folder = write_beir(tmp_path / "ds", qrels=[("q1", "d1", 1), ("q2", "nope", 1)])
    with pytest.raises(DatasetError, match=r"test\.tsv:3: corpus id 'nope' is not in corpus\.jsonl"):
        load_beir(folder)


def test_qrels_with_unknown_query_id_names_file_and_line(tmp_path):
    folder = write_beir(tmp_path / "ds", qrels=[("q9", "d1", 1)])
    with pytest.raises(DatasetError, match=r"test\.tsv:2: query id 'q9'"):
        load_beir(folder)


def test_empty_corpus_is_an_error(tmp_path):
    folder = write_beir(tmp_path / "ds", corpus=[], qrels=[])
    with pytest.raises(DatasetError, match="corpus is empty"):
        load_beir(folder)


def test_bad_json_line_names_file_and_line(tmp_path):
    folder = write_beir(tmp_path / "ds")
    with (folder / "corpus.jsonl").open("a") as handle:
        handle.write("{not json\n")
    with pytest.raises(DatasetError, match=r"corpus\.jsonl:4: not valid JSON"):
        load_beir(folder)
