"""The database fixture works on every backend: migrations ran and the CLI reaches the data."""

import json


def test_results_json_for_new_assessment_has_both_teams_withheld(runner, make_assessment):
    slug = make_assessment()
    result = runner.invoke(args=["results", slug, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["teams"] == {
        key: {
            "responses": 0,
            "pending": 0,
            "pending_by_source": {"web": 0, "import": 0},
            "incomplete": 0,
            "withheld": True,
        }
        for key in ("sales", "marketing")
    }
    assert data["overall"] == {"score": None, "stage": None, "teams": []}
    assert data["gap"] is None
