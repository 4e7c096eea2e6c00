#!/usr/bin/env python3
"""The MTCNN fixture (Tests/FERDataTests/Fixtures/mtcnn/): pictures drawn here (cartoon faces the
networks take for faces: skin, hair, eyes, brows, nose and mouth, blurred; several sizes,
some turned, some gray, several faces in a picture, one picture without a face), and what the
reference implementation finds in each: facenet-pytorch 2.6.0's MTCNN (thresholds 0.6/0.7/0.7, scale
step 0.709, min face 20, keep_all), boxes, probabilities and five landmarks, in expected.json.
`MTCNNTests` runs ferdata's MTCNN on the same pictures and holds it to boxes and landmarks within a
pixel and probabilities within 1e-4.

    python3 -m pip install --no-deps facenet-pytorch==2.6.0 torchvision   # torchvision matching torch
    python3 -m pip install tqdm pillow numpy
    scripts/make-mtcnn-fixture.py [--out Tests/FERDataTests/Fixtures/mtcnn]
"""
import argparse
import json
import os

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def shade(colour, factor):
    return tuple(int(max(0, min(255, v * factor))) for v in colour)


def draw_face(canvas, rng, centre, side, turn):
    """A cartoon face of width about `side` centred at `centre`, turned by `turn` degrees."""
    layer = Image.new("RGBA", (2 * side, 2 * side), (0, 0, 0, 0))
    d = ImageDraw.Draw(layer)
    c, s = side, side
    skin = (int(rng.integers(170, 236)), int(rng.integers(120, 181)), int(rng.integers(90, 151)))
    d.ellipse([c - 0.42 * s, c - 0.62 * s, c + 0.42 * s, c + 0.2 * s], fill=shade(skin, 0.3))
    d.ellipse([c - 0.36 * s, c - 0.48 * s, c + 0.36 * s, c + 0.52 * s], fill=skin)
    eye_x, eye_y, eye_w = 0.15 * s, -0.08 * s, 0.075 * s
    for direction in (-1, 1):
        x = c + direction * eye_x
        d.ellipse([x - eye_w * 1.3, c + eye_y - eye_w, x + eye_w * 1.3, c + eye_y + eye_w * 0.9], fill=shade(skin, 0.75))
        d.ellipse([x - eye_w, c + eye_y - eye_w * 0.5, x + eye_w, c + eye_y + eye_w * 0.5], fill=(235, 235, 235))
        d.ellipse([x - eye_w * 0.45, c + eye_y - eye_w * 0.45, x + eye_w * 0.45, c + eye_y + eye_w * 0.45], fill=(60, 40, 30))
        d.line([x - eye_w * 1.3, c + eye_y - eye_w * 1.6, x + eye_w * 1.3, c + eye_y - eye_w * 1.8], fill=shade(skin, 0.3),
               width=max(2, int(s * 0.03)))
    d.polygon([(c, c + eye_y + 0.02 * s), (c - 0.05 * s, c + 0.12 * s), (c + 0.05 * s, c + 0.12 * s)], fill=shade(skin, 0.8))
    d.ellipse([c - 0.12 * s, c + 0.2 * s, c + 0.12 * s, c + 0.28 * s], fill=(150, 60, 60))
    layer = layer.rotate(turn, resample=Image.BILINEAR)
    canvas.paste(layer, (int(centre[0] - side), int(centre[1] - side)), layer)


def picture(rng, size, faces, gray=False):
    """A picture of `size` with `faces` as (centre x, centre y, side, turn)."""
    canvas = Image.new("RGB", size, tuple(int(v) for v in rng.integers(40, 200, 3)))
    for x, y, side, turn in faces:
        draw_face(canvas, rng, (x, y), side, turn)
    canvas = canvas.filter(ImageFilter.GaussianBlur(1.2))
    return canvas.convert("L") if gray else canvas


PICTURES = [
    ((320, 240), [(160, 120, 150, 0)], False),
    ((320, 240), [(100, 110, 90, 0)], False),
    ((320, 240), [(200, 130, 70, 25)], False),
    ((320, 240), [(150, 120, 120, -20)], False),
    ((240, 200), [(120, 100, 110, 0)], True),
    ((640, 480), [(140, 160, 160, 0), (420, 200, 90, 10), (540, 380, 60, 0)], False),
    ((400, 300), [(110, 150, 140, 0), (300, 150, 140, 0)], True),
    ((200, 160), [(100, 80, 60, 0)], False),
    ((320, 240), [(30, 120, 100, 0)], False),
    ((320, 240), [], False),
    ((60, 50), [(30, 25, 40, 0)], False),
    ((1000, 200), [(500, 100, 120, 5)], False),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(ROOT, "Tests", "FERDataTests", "Fixtures", "mtcnn"))
    parser.add_argument("--seed", type=int, default=2016)
    args = parser.parse_args()
    import facenet_pytorch
    import torch
    import torchvision
    from facenet_pytorch import MTCNN

    torch.set_num_threads(1)
    detector = MTCNN(keep_all=True, min_face_size=20, thresholds=[0.6, 0.7, 0.7], factor=0.709, select_largest=True)
    rng = np.random.default_rng(args.seed)
    os.makedirs(args.out, exist_ok=True)
    expected = {"reference": f"facenet-pytorch {facenet_pytorch.__version__ if hasattr(facenet_pytorch, '__version__') else '2.6.0'}, "
                             f"torch {torch.__version__}, torchvision {torchvision.__version__}",
                "min_face": 20, "seed": args.seed, "pictures": []}
    for number, (size, faces, gray) in enumerate(PICTURES):
        image = picture(rng, size, faces, gray)
        name = f"picture{number:02d}.png"
        image.save(os.path.join(args.out, name))
        boxes, probabilities, points = detector.detect(image.convert("RGB"), landmarks=True)
        found = []
        if boxes is not None:
            for box, probability, landmarks in zip(boxes, probabilities, points):
                found.append({"box": [float(v) for v in np.asarray(box, dtype=np.float64)], "score": float(probability),
                              "landmarks": [[float(v) for v in point] for point in np.asarray(landmarks, dtype=np.float64)]})
        expected["pictures"].append({"file": name, "drawn": len(faces), "faces": found})
        print(f"{name}: {len(faces)} drawn, {len(found)} found {[round(f['score'], 4) for f in found]}")
    with open(os.path.join(args.out, "expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
