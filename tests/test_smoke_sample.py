"""`distillgen smoke` samples its source by records, not physical lines (issue 15, bug 3)."""

from __future__ import annotations

import csv
import io
import json
import shutil

from distillgen.smoke import _sample_source

from .conftest import FIXTURES, build_into, load_generated

COLUMNS = ["id", "text", "source_name", "sentiment", "topic", "stars", "score", "sarcastic"]


def _csv_source() -> bytes:
    """Forty records; many cells hold quoted newlines, blank lines and CRLF inside quotes."""
    buf = io.StringIO()
    writer = csv.writer(buf)  # the default dialect: \r\n between records
    writer.writerow(COLUMNS)
    for i in range(40):
        text = f"review {i}"
        if i % 3 == 0:
            text = f"first line {i}\nsecond line\n\nafter a blank line"
        elif i % 3 == 1:
            text = f'a "quoted" word, a comma\r\nand a CRLF {i}'
        writer.writerow([f"r{i:02d}", text, "", "positive", "t", 3, 0.5, "false"])
        if i == 5:
            buf.write("\r\n")  # an empty line between records is no record
    return buf.getvalue().encode("utf-8")


def _records(data: bytes) -> list[list[str]]:
    text = io.TextIOWrapper(io.BytesIO(data), encoding="utf-8-sig", newline="")
    return [row for row in csv.reader(text) if row][1:]


def test_csv_sample_is_the_first_n_records_whole(tmp_path):
    source = tmp_path / "reviews.csv"
    source.write_bytes(_csv_source())
    for rows in (1, 5, 6, 7, 30, 40, 100):
        sample, taken, lines = _sample_source(source, "csv", rows, tmp_path / "s" / "sample.csv")
        data = sample.read_bytes()
        assert _records(data) == _records(source.read_bytes())[:rows], rows
        assert taken == min(rows, 40)
        # The source's own bytes from its start: quoted newlines and blank lines inside
        # cells are kept, and line numbers are the source's.
        assert source.read_bytes().startswith(data), rows
        assert lines == data.count(b"\n")


def test_csv_sample_keeps_a_byte_order_mark_and_a_last_line_without_newline(tmp_path):
    source = tmp_path / "reviews.csv"
    body = _csv_source().rstrip(b"\r\n")
    source.write_bytes(b"\xef\xbb\xbf" + body)
    sample, taken, _ = _sample_source(source, "csv", 100, tmp_path / "sample.csv")
    assert taken == 40
    assert sample.read_bytes() == b"\xef\xbb\xbf" + body + b"\n"
    assert _records(sample.read_bytes()) == _records(source.read_bytes())


def test_data_step_reads_the_sample_as_the_start_of_the_source(tmp_path):
    """Same records, same row numbers (rejects name the source's lines)."""
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    source = base / "data" / "mini.csv"
    source.write_bytes(_csv_source())
    spec = base / "mini.yaml"
    spec.write_text(spec.read_text().replace("data/mini.jsonl", "data/mini.csv"))
    out = tmp_path / "project"
    build_into(spec, out)
    data = load_generated(out, ("schema", "data"))["data"]
    whole = list(data.iter_rows(source))
    sample, _, _ = _sample_source(source, "csv", 30, tmp_path / "sample.csv")
    assert list(data.iter_rows(sample)) == whole[:30]
    assert all(problem is None for _, _, problem in whole)


def test_jsonl_sample_keeps_the_source_line_numbers(tmp_path):
    lines = [json.dumps({"id": i}) + "\n" for i in range(10)]
    lines.insert(3, "\n")
    source = tmp_path / "rows.jsonl"
    source.write_text("".join(lines))
    sample, taken, count = _sample_source(source, "jsonl", 5, tmp_path / "sample.jsonl")
    assert taken == 5 and count == 6
    assert sample.read_text() == "".join(lines[:6])


def test_a_torn_csv_record_says_it_has_fewer_values_than_the_header(tmp_path):
    """A line break in an unquoted cell tears the record: say so, not 'label: a value is
    required' for the columns it lacks."""
    base = tmp_path / "spec"
    shutil.copytree(FIXTURES / "mini", base)
    source = base / "data" / "mini.csv"
    source.write_text(
        ",".join(COLUMNS) + "\r\n"
        "r00,fine,,positive,t,3,0.5,false\r\n"
        "r01,first line\r\n"
        "second line,,positive,t,3,0.5,false\r\n"
        "r02,fine again,,neutral,t,3,0.5,false\r\n",
        encoding="utf-8",
    )
    spec = base / "mini.yaml"
    spec.write_text(spec.read_text().replace("data/mini.jsonl", "data/mini.csv"))
    out = tmp_path / "project"
    build_into(spec, out)
    data = load_generated(out, ("schema", "data"))["data"]
    found = [(number, problem) for number, _, problem in data.iter_rows(source)]
    torn = (
        "row has {} values but the header has 8 columns "
        "(a cell with a line break must be in double quotes)"
    )
    assert found == [(2, None), (3, torn.format(2)), (4, torn.format(7)), (5, None)]
