"""Video frame index and audio inverted index: the copy is a candidate, unrelated clips are not."""

from __future__ import annotations

import pytest

from countermark.fingerprint import audio, media_index, video
from countermark.fingerprint.media_index import AudioIndex, VideoIndex
from tests.unit.test_fingerprint_media import sounds, videos  # noqa: F401  (module-scoped fixtures)


def test_the_video_index_nominates_the_original_of_a_copy_and_nothing_for_unrelated_clips(
    videos: dict[str, str],  # noqa: F811
) -> None:
    index = VideoIndex()
    for entry_id, name in enumerate(("original", "unrelated", "unrelated2"), start=1):
        index.add(entry_id, video.from_signal(videos[name]))
    assert len(index) > 10
    assert index.candidates(video.from_signal(videos["copy"])) == [1]
    assert index.candidates(video.from_signal(videos["original"])) == [1]
    empty = VideoIndex()
    assert empty.candidates(video.from_signal(videos["copy"])) == []


def test_the_audio_index_votes_for_the_trimmed_copy_at_one_offset(
    sounds: dict[str, str],  # noqa: F811
) -> None:
    index = AudioIndex()
    names = ("melody", "other_melody", "tone", "noise", "other_noise")
    for entry_id, name in enumerate(names, start=1):
        index.add(entry_id, audio.from_signal(sounds[name]))
    assert len(index) == len(names)
    assert index.candidates(audio.from_signal(sounds["copy"]))[0] == 1
    # Unrelated sounds: the melody's own index entry must not be nominated by the other sounds.
    for name in ("other_melody", "tone", "noise", "other_noise"):
        assert 1 not in index.candidates(audio.from_signal(sounds[name])), name


def test_audio_values_common_everywhere_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    monkeypatch.setattr(media_index, "STOP_POSTINGS", 5)
    index = AudioIndex()
    hum = np.full(60, 7, dtype=np.uint32)
    for entry_id in range(1, 4):
        index.add(entry_id, hum)
    assert index.candidates(hum) == []  # 180 postings of one value: stationary sound says nothing
