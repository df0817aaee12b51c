from datetime import UTC, datetime

from intake.matching.hostlog import MergeLogSettings, read_log, record_merge, record_split

AT = datetime(2026, 2, 15, 17, 30, tzinfo=UTC)


class TestHostLog:
    def test_round_trip(self, tmp_path):
        path = tmp_path / "log" / "merges.jsonl"
        path.parent.mkdir()
        record_merge(
            path, event_id=3, kept_text="Quand vote-t-on ?", merged_text="vote when?", at=AT
        )
        record_split(
            str(path),
            event_id=3,
            kept_text="When does the vote close?",
            split_text="When does the vote open?",
            at=AT,
        )
        assert read_log(path) == [
            {
                "action": "merge",
                "event_id": 3,
                "kept_text": "Quand vote-t-on ?",
                "other_text": "vote when?",
                "at": "2026-02-15T17:30:00+00:00",
            },
            {
                "action": "split",
                "event_id": 3,
                "kept_text": "When does the vote close?",
                "other_text": "When does the vote open?",
                "at": "2026-02-15T17:30:00+00:00",
            },
        ]
        # appended, never rewritten; non-ASCII kept readable
        assert "Quand vote-t-on" in path.read_text(encoding="utf-8")

    def test_off_without_a_path(self, tmp_path):
        record_merge(None, event_id=1, kept_text="a", merged_text="b", at=AT)
        assert list(tmp_path.iterdir()) == []

    def test_torn_last_line_is_skipped(self, tmp_path):
        path = tmp_path / "merges.jsonl"
        record_merge(path, event_id=1, kept_text="a", merged_text="b", at=AT)
        with path.open("a") as f:
            f.write('{"action": "spl')
        assert [e["action"] for e in read_log(path)] == ["merge"]

    def test_setting(self, monkeypatch, tmp_path):
        assert MergeLogSettings().merge_log is None
        monkeypatch.setenv("LIVEQ_MERGE_LOG", str(tmp_path / "m.jsonl"))
        assert MergeLogSettings().merge_log == tmp_path / "m.jsonl"
