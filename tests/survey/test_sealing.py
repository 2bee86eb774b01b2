"""Sealing a draft's answers and comment: only the key it was sealed under opens it."""

from __future__ import annotations

import pytest

from survey_app.survey.sealing import NONCE_BYTES, VERSION, DraftUnreadable, seal, unseal

KEY = "Xq3v9kR0mZ_7bYp2LwT8sNc4dF6hJ1aE"
ANSWERS = {"k01": 5, "k02": 1, "k03": "dk"}
COMMENT = "Marketing’s leads go unread — «toujours».\nSecond line."


def test_a_sealed_draft_opens_with_its_key() -> None:
    assert unseal(KEY, seal(KEY, ANSWERS, COMMENT)) == (ANSWERS, COMMENT)
    assert unseal(KEY, seal(KEY, {}, "")) == ({}, "")


def test_a_sealed_draft_holds_nothing_in_clear() -> None:
    sealed = seal(KEY, ANSWERS, COMMENT)
    assert sealed[0] == VERSION
    for text in ("k01", "dk", "leads", "Second line", KEY):
        assert text.encode() not in sealed


@pytest.mark.parametrize("wrong", [KEY[:-1], KEY + "x", KEY.lower(), "another key entirely"])
def test_a_wrong_key_is_refused(wrong: str) -> None:
    sealed = seal(KEY, ANSWERS, COMMENT)
    with pytest.raises(DraftUnreadable, match="cannot be opened"):
        unseal(wrong, sealed)


def test_an_empty_key_is_a_mistake_of_the_caller() -> None:
    with pytest.raises(ValueError, match="key material"):
        seal("", ANSWERS, COMMENT)
    with pytest.raises(ValueError, match="key material"):
        unseal("", seal(KEY, ANSWERS, COMMENT))


@pytest.mark.parametrize("position", [0, 1, NONCE_BYTES, NONCE_BYTES + 1, -1])
def test_a_tampered_blob_is_refused(position: int) -> None:
    sealed = bytearray(seal(KEY, ANSWERS, COMMENT))
    sealed[position] ^= 0x01
    with pytest.raises(DraftUnreadable):
        unseal(KEY, bytes(sealed))


@pytest.mark.parametrize("cut", [0, 1, 1 + NONCE_BYTES, 1 + NONCE_BYTES + 15])
def test_a_blob_cut_short_is_refused(cut: int) -> None:
    with pytest.raises(DraftUnreadable):
        unseal(KEY, seal(KEY, ANSWERS, COMMENT)[:cut])


def test_two_seals_of_the_same_draft_differ() -> None:
    first, second = seal(KEY, ANSWERS, COMMENT), seal(KEY, ANSWERS, COMMENT)
    assert first != second
    assert first[1 : 1 + NONCE_BYTES] != second[1 : 1 + NONCE_BYTES]
    assert unseal(KEY, first) == unseal(KEY, second) == (ANSWERS, COMMENT)


def test_a_blob_read_back_as_a_memoryview_opens() -> None:
    assert unseal(KEY, memoryview(seal(KEY, ANSWERS, COMMENT))) == (ANSWERS, COMMENT)
