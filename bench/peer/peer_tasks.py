"""Database work on the peer site, run by bench/peer/peer.py inside the peer's virtual environment.

    PEER_DATABASE=… PEER_EXPORTS=… python peer_tasks.py TASK  < arguments.json  > result.json

Tasks: ``setup`` (migrate, create the survey), ``bulk`` (bulk-create complete responses),
``csv`` and ``pdf`` (time the app's own ``exportresult`` command). Arguments come as one
JSON object on stdin and the result leaves as one JSON object on the last line of stdout,
so the caller never imports Django. Only django-survey-and-report's public models and its
management command are used.
"""

import json
import os
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_site.settings")

import django  # noqa: E402 - the settings module must be named first

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402
from survey.exporter.csv import Survey2Csv  # noqa: E402
from survey.exporter.tex.survey2tex import Survey2Tex  # noqa: E402
from survey.models import Answer, Question, Response, Survey  # noqa: E402

#: How many responses are written per bulk_create round (bounds the memory of the load).
CHUNK = 1000


def setup(arguments: dict) -> dict:
    """Migrate a fresh database and create one all-in-one-page survey of required 1–5 radio questions."""
    call_command("migrate", verbosity=0, interactive=False)
    today = timezone.now().date()
    survey = Survey.objects.create(
        name=arguments["title"],
        description=arguments["description"],
        is_published=True,
        need_logged_user=False,
        editable_answers=True,
        display_method=Survey.ALL_IN_ONE_PAGE,
        publish_date=today,
        expire_date=today + timedelta(days=3650),
    )
    fields = {}
    for order, statement in enumerate(arguments["statements"], start=1):
        question = Question.objects.create(
            survey=survey,
            text=statement["text"],
            order=order,
            required=True,
            type=Question.RADIO,
            choices=arguments["choices"],
        )
        fields[statement["id"]] = f"question_{question.pk}"
    return {"survey_id": survey.pk, "fields": fields}


def bulk(arguments: dict) -> dict:
    """Bulk-create ``count`` complete anonymous responses; answer i of response n is 1 + (n + i) % 5."""
    survey = Survey.objects.get()
    questions = list(survey.questions.order_by("order"))
    count, started = arguments["count"], time.perf_counter()
    for first in range(0, count, CHUNK):
        numbers = range(first, min(first + CHUNK, count))
        with transaction.atomic():
            responses = Response.objects.bulk_create(
                [Response(survey=survey, interview_uuid=uuid.uuid4().hex) for _ in numbers]
            )
            Answer.objects.bulk_create(
                Answer(question=question, response=response, body=str(1 + (number + index) % 5))
                for number, response in zip(numbers, responses, strict=True)
                for index, question in enumerate(questions)
            )
    return {"seconds": time.perf_counter() - started}


def _exportresult(survey: Survey, kind: str) -> float:
    """Seconds of one ``manage.py exportresult --survey-id N --KIND --force``: the app's own export path."""
    started = time.perf_counter()
    call_command("exportresult", "--survey-id", str(survey.pk), f"--{kind}", "--force")
    return time.perf_counter() - started


def csv(arguments: dict) -> dict:
    """Time the CSV export ``rounds`` times (after a warm-up unless told not to); count its data rows."""
    survey = Survey.objects.get()
    if arguments.get("warmup", True):
        _exportresult(survey, "csv")
    seconds = [_exportresult(survey, "csv") for _ in range(arguments["rounds"])]
    path = Path(Survey2Csv(survey).filename)
    rows = len(path.read_text(encoding="utf-8").splitlines()) - 1  # less the header line
    return {"seconds": seconds, "rows": rows, "file": str(path), "bytes": path.stat().st_size}


def pdf(arguments: dict) -> dict:
    """Time the PDF report (TeX, then xelatex twice) ``rounds`` times; a warm-up run first unless turned off.

    The command skips a PDF newer than the latest answer even with --force, so the PDF is
    deleted before every run.
    """
    survey = Survey.objects.get()
    path = Survey2Tex(survey).pdf_filename
    warmup = 1 if arguments.get("warmup", True) else 0
    seconds = []
    for _ in range(arguments["rounds"] + warmup):
        path.unlink(missing_ok=True)
        seconds.append(_exportresult(survey, "pdf"))
        if not path.exists():
            raise SystemExit(f"exportresult --pdf wrote no {path}")
    return {"seconds": seconds[warmup:], "file": str(path), "bytes": path.stat().st_size}


TASKS = {"setup": setup, "bulk": bulk, "csv": csv, "pdf": pdf}

if __name__ == "__main__":
    print(json.dumps(TASKS[sys.argv[1]](json.load(sys.stdin))))
