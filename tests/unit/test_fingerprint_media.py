"""Video (frame PDQ) and audio (Chromaprint) signals on clips made by ffmpeg: copies match, others do not."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from countermark.core.errors import InvalidInput
from countermark.fingerprint import audio, mediatools, video

needs_ffmpeg = pytest.mark.skipif(
    not (mediatools.available("ffmpeg") and mediatools.available("ffprobe")),
    reason="ffmpeg/ffprobe not installed (Debian: apt install ffmpeg)",
)
needs_fpcalc = pytest.mark.skipif(
    not (mediatools.available("ffmpeg") and mediatools.available("fpcalc")),
    reason="ffmpeg or fpcalc not installed (Debian: apt install ffmpeg libchromaprint-tools)",
)

# Melodies: a tone stepping through notes, different step patterns so the tunes are unrelated.
MELODY = "aevalsrc=0.5*sin(2*PI*(300+100*floor(mod(t*3\\,7)))*t):d=20"
OTHER_MELODY = "aevalsrc=0.5*sin(2*PI*(250+90*floor(mod(t*2\\,5)))*t):d=20"


def ffmpeg(directory: Path, name: str, *args: str) -> bytes:
    """The bytes of a file that ffmpeg writes with these arguments (inputs are files of `directory`)."""
    out = directory / name
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args, str(out)], check=True, cwd=directory)
    return out.read_bytes()


def make_videos(directory: Path) -> dict[str, bytes]:
    """An original clip, a trimmed, scaled, re-encoded copy of it, and two unrelated clips."""
    h264 = ("-c:v", "libx264", "-pix_fmt", "yuv420p")
    clips = {
        "original": ffmpeg(directory, "original.mp4", "-f", "lavfi", "-i",
                           "testsrc=duration=8:size=320x240:rate=25", *h264),
        "unrelated": ffmpeg(directory, "mandelbrot.mp4", "-f", "lavfi", "-i",
                            "mandelbrot=size=320x240:rate=25", "-t", "8", *h264),
        "unrelated2": ffmpeg(directory, "testsrc2.webm", "-f", "lavfi", "-i",
                             "testsrc2=duration=6:size=320x240:rate=25", "-c:v", "libvpx", "-b:v", "300k"),
    }  # fmt: skip
    clips["copy"] = ffmpeg(directory, "copy.mp4", "-ss", "2", "-i", "original.mp4", "-t", "5", "-vf",
                           "scale=160:120", "-c:v", "libx264", "-crf", "35")  # fmt: skip
    return clips


def make_sounds(directory: Path) -> dict[str, bytes]:
    """A melody, a trimmed low-bitrate MP3 of it, another melody, a pure tone and two pink noises."""
    sounds = {
        "melody": ffmpeg(directory, "melody.wav", "-f", "lavfi", "-i", MELODY),
        "other_melody": ffmpeg(directory, "other.wav", "-f", "lavfi", "-i", OTHER_MELODY),
        "tone": ffmpeg(directory, "tone.wav", "-f", "lavfi", "-i", "sine=frequency=440:duration=20"),
        "noise": ffmpeg(directory, "noise.wav", "-f", "lavfi", "-i", "anoisesrc=d=20:c=pink:seed=3"),
        "other_noise": ffmpeg(directory, "noise2.ogg", "-f", "lavfi", "-i", "anoisesrc=d=20:c=pink:seed=9",
                              "-c:a", "libvorbis"),
    }  # fmt: skip
    sounds["copy"] = ffmpeg(directory, "copy.mp3", "-ss", "3", "-i", "melody.wav", "-t", "12", "-c:a",
                            "libmp3lame", "-b:a", "48k")  # fmt: skip
    return sounds


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not (mediatools.available("ffmpeg") and mediatools.available("ffprobe")):
        pytest.skip("ffmpeg/ffprobe not installed (Debian: apt install ffmpeg)")
    return {k: video.video_signal(v) for k, v in make_videos(tmp_path_factory.mktemp("video")).items()}


@pytest.fixture(scope="module")
def sounds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not (mediatools.available("ffmpeg") and mediatools.available("fpcalc")):
        pytest.skip("ffmpeg or fpcalc not installed (Debian: apt install ffmpeg libchromaprint-tools)")
    return {k: audio.audio_signal(v) for k, v in make_sounds(tmp_path_factory.mktemp("audio")).items()}


@needs_ffmpeg
def test_a_video_is_one_pdq_frame_a_second_with_timestamps(videos: dict[str, str]) -> None:
    frames = video.from_signal(videos["original"])
    assert len(frames) == 8
    assert [f.timestamp for f in frames] == [float(k) for k in range(8)]
    assert all(len(f.hash) == 64 and f.usable for f in frames)


@needs_ffmpeg
def test_a_trimmed_scaled_reencoded_copy_matches_its_original(videos: dict[str, str]) -> None:
    result = video.compare(videos["copy"], videos["original"])
    assert result.is_match
    assert result.query_share == 1.0  # every frame of the excerpt is found in the original
    assert 0.5 <= result.reference_share < 1.0  # which holds more than the excerpt
    assert result.best_distance <= video.FRAME_THRESHOLD


@needs_ffmpeg
@pytest.mark.parametrize("other", ["unrelated", "unrelated2"])
def test_unrelated_videos_share_no_frame(videos: dict[str, str], other: str) -> None:
    for base in ("original", "copy"):
        result = video.compare(videos[other], videos[base])
        assert not result.is_match
        assert result.matched_frames == 0


@needs_ffmpeg
@pytest.mark.parametrize(
    "data", [b"", b"not a video at all" * 50, b"#EXTM3U\n#EXTINF:1,\nhttp://example.com/a.ts\n"]
)
def test_non_video_input_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        video.video_signal(data)


def test_a_malformed_video_signal_is_refused() -> None:
    for signal in ("[]", "{}", '[[0, "zz", 100]]', "not json"):
        with pytest.raises(InvalidInput):
            video.from_signal(signal)


@needs_fpcalc
def test_a_trimmed_low_bitrate_copy_of_a_melody_matches(sounds: dict[str, str]) -> None:
    result = audio.compare(sounds["copy"], sounds["melody"])
    assert result.is_match
    assert result.bit_error_rate < 0.1
    assert result.overlap_seconds >= 8


@needs_fpcalc
@pytest.mark.parametrize(
    ("a", "b"),
    [("other_melody", "melody"), ("tone", "melody"), ("noise", "melody"), ("tone", "noise"),
     ("other_melody", "copy"), ("noise", "other_noise")],
)  # fmt: skip
def test_unrelated_sounds_do_not_match(sounds: dict[str, str], a: str, b: str) -> None:
    result = audio.compare(sounds[a], sounds[b])
    assert not result.is_match, result


@needs_fpcalc
def test_two_noises_agree_only_as_much_as_chance_predicts(sounds: dict[str, str]) -> None:
    result = audio.compare(sounds["noise"], sounds["other_noise"])
    # Stationary noise sets the same bits again and again: the raw rate alone would call this a match.
    assert result.bit_error_rate > audio.CHANCE_FACTOR * result.chance_error_rate


@needs_fpcalc
@pytest.mark.parametrize("data", [b"", b"\x00" * 100, b"RIFF....WAVEfmt garbage"])
def test_non_audio_input_is_refused_with_a_reason(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        audio.audio_signal(data)


def test_a_malformed_or_short_audio_signal_is_refused() -> None:
    for signal in ("[1, 2, 3]", "{}", '["a"]', "nope"):
        with pytest.raises(InvalidInput):
            audio.from_signal(signal)


def test_a_missing_tool_is_named_with_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("shutil.which", lambda _: None)
    with pytest.raises(mediatools.ToolMissing, match="apt install libchromaprint-tools") as caught:
        audio.fingerprint_of(b"x" * 100)
    assert caught.value.status == 503
