"""Count charts read in whole numbers."""

import pytest

from apps.core.charts import line_chart


@pytest.mark.parametrize("highest", [1, 2, 3, 5, 7, 12, 25, 99, 250, 10_500])
def test_count_charts_have_integer_ticks(highest):
    chart = line_chart(labels=["a", "b"], series=[("Demandes", [0, highest])])
    labels = [tick["label"] for tick in chart["y_ticks"]]
    assert all("," not in label for label in labels), labels
    values = [int(label.replace("\u202f", "")) for label in labels]
    assert values[0] == 0 and values[-1] >= highest
    assert len(set(values)) == len(values)


def test_rates_keep_their_decimals():
    chart = line_chart(labels=["a", "b"], series=[("Note", [0, 4.5])], decimals=1, max_value=5)
    assert [t["label"] for t in chart["y_ticks"]] == ["0,0", "1,2", "2,5", "3,8", "5,0"]
