"""Media in: formats decided by content, EXIF rotation, audio containers, limits."""
import subprocess

import imageio_ffmpeg
import pytest
from PIL import Image

from reel.errors import ReelError
from reel.media import decode_audio, load_image, probe_audio


def test_exif_rotation_is_honoured(tmp_path):
    landscape = Image.new("RGB", (400, 200), "red")
    exif = landscape.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    landscape.save(tmp_path / "phone.jpg", exif=exif)
    assert load_image(tmp_path / "phone.jpg").size == (200, 400)


def test_webp_and_png_accepted_gif_refused(tmp_path):
    Image.new("RGB", (64, 64), "blue").save(tmp_path / "a.webp")
    Image.new("RGBA", (64, 64), "blue").save(tmp_path / "a.png")
    Image.new("RGB", (64, 64), "blue").save(tmp_path / "a.gif")
    assert load_image(tmp_path / "a.webp").mode == "RGB"
    assert load_image(tmp_path / "a.png").mode == "RGB"
    with pytest.raises(ReelError, match="GIF"):
        load_image(tmp_path / "a.gif")


def test_image_named_like_audio_is_judged_by_content(tmp_path):
    Image.new("RGB", (64, 64)).save(tmp_path / "x.png")
    (tmp_path / "x.png").rename(tmp_path / "song.mp3")
    with pytest.raises(ReelError, match="not an audio file"):
        probe_audio(tmp_path / "song.mp3")


@pytest.mark.parametrize("name, fmt", [("a.flac", "FLAC"), ("a.m4a", "M4A"), ("a.ogg", "OGG"), ("a.wav", "WAV")])
def test_audio_containers(tmp_path, name, fmt):
    path = tmp_path / name
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "sine=frequency=300:duration=2", str(path)], check=True)
    info = probe_audio(path)
    assert info.format == fmt and abs(info.duration - 2.0) < 0.1
    pcm = decode_audio(path)
    assert abs(pcm.size / 16000 - 2.0) < 0.05


def test_oversized_file_refused(tmp_path):
    big = tmp_path / "big.wav"
    with open(big, "wb") as f:
        f.truncate(100 * 1024 * 1024 + 1)
    with pytest.raises(ReelError, match="limit is 100 MB"):
        probe_audio(big)
