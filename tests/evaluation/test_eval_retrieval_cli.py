import json

import pytest
from click.testing import CliRunner

from beir_fixtures import EXPECTED_BM25, write_beir
from supportbot.cli import main


def run(args, monkeypatch, **env):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return CliRunner().invoke(main, args, catch_exceptions=False)


def test_bm25_metrics_on_hand_made_dataset_match_hand_computed_values(tmp_path, monkeypatch):
    folder = write_beir(tmp_path / "ds")
    result = run(["eval", "retrieval", str(folder), "--json"], monkeypatch, SUPPORTBOT_RETRIEVAL_MODE="bm25")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report) == {"R@1", "R@5", "MRR@10", "nDCG@10", "p50_ms", "p95_ms", "settings"}
    for key, value in EXPECTED_BM25.items():
        assert report[key] == pytest.approx(value, abs=1e-4), key
    assert report["settings"]["mode"] == "bm25"
    assert report["settings"]["skipped_queries"] == 1
    assert report["settings"]["queries"] == 3


def test_compare_reports_each_pipeline(tmp_path, monkeypatch):
    folder = write_beir(tmp_path / "ds")
    result = run(["eval", "retrieval", str(folder), "--json", "--compare", "bm25,dense"], monkeypatch)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(report["pipelines"]) == {"bm25", "dense"}
    assert set(report["pipelines"]["dense"]) == {"R@1", "R@5", "MRR@10", "nDCG@10", "p50_ms", "p95_ms"}
    assert report["pipelines"]["bm25"]["MRR@10"] == pytest.approx(EXPECTED_BM25["MRR@10"], abs=1e-4)
    assert report["pipelines"]["dense"]["p50_ms"] > report["pipelines"]["bm25"]["p50_ms"]  # each timed on its own


def test_missing_dataset_file_exits_1_naming_it(tmp_path, monkeypatch):
    folder = write_beir(tmp_path / "ds")
    (folder / "qrels" / "test.tsv").unlink()
    result = run(["eval", "retrieval", str(folder)], monkeypatch)
    assert result.exit_code == 1
    assert "test.tsv is missing" in result.stderr


def test_unknown_pipeline_in_compare_is_a_usage_error(tmp_path, monkeypatch):
    folder = write_beir(tmp_path / "ds")
    result = run(["eval", "retrieval", str(folder), "--compare", "bm25,magic"], monkeypatch)
    assert result.exit_code == 2
    assert "magic" in result.stderr


def test_a_configured_reranker_is_evaluated_and_reported(tmp_path, monkeypatch, cross_encoder_dir):
    folder = write_beir(tmp_path / "ds")
    result = run(["eval", "retrieval", str(folder), "--json"], monkeypatch, SUPPORTBOT_RETRIEVAL_RERANKER=str(cross_encoder_dir))
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["settings"]["reranker"] == str(cross_encoder_dir) and report["settings"]["rerank_candidates"] == 10
    assert 0.0 <= report["R@1"] <= report["R@5"] <= 1.0
