#!/usr/bin/env python3
"""Writes the face-detection benchmark's scenes: FER-2013 test faces (from ../shared/data's image zip)
scaled to 60-300 px and pasted at random places, never overlapping, on 640x480 gray backgrounds of
three kinds: textures (stripes, checks, rings), blurred noise, and tiles of other faces' crops at a
different scale (eyes, mouths and cheeks magnified, face-like texture that is not a face). One to
three faces per scene, seeded. Writes OUT/scene-NNNN.png, OUT/truth.json (per scene the pasted boxes,
x y size, and each face's zip member and label), and each pasted picture alone (grown as pasted) as
OUT/alone/scene-NNNN-K.png with OUT/alone/truth.json, for comparing how a face is framed in a scene
and in its own picture.

With --classes, the cross-dataset version instead: --scenes test faces drawn at random, each pasted
alone into a scene of its own, written as OUT/scenes/CLASS/NAME.png beside the original crop as
OUT/crops/CLASS/NAME.png and the pasted picture alone (the crop grown as pasted) as
OUT/pictures/CLASS/NAME.png, so that `ferdata crosseval` can score a model on each.

    python3 scripts/make-face-scenes.py OUT [--scenes 300] [--seed 14] [--data ../shared/data] [--classes]
"""
import argparse, io, json, os, random, sys, zipfile

import numpy as np
from PIL import Image, ImageFilter

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WIDTH, HEIGHT = 640, 480


def test_faces(data):
    path = os.path.join(data, "fer2013-images.zip")
    if not os.path.exists(path):
        sys.exit(f"skipped: no FER-2013 image zip at {path}")
    faces = []
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if name.startswith("test/") and name.endswith((".jpg", ".png")):
                faces.append((name, name.split("/")[1], np.asarray(Image.open(io.BytesIO(archive.read(name))).convert("L"))))
    return faces


def texture(rng):
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
    kind = rng.choice(["stripes", "checks", "rings"])
    period = rng.uniform(8, 60)
    angle = rng.uniform(0, np.pi)
    if kind == "stripes":
        value = np.sin((x * np.cos(angle) + y * np.sin(angle)) * 2 * np.pi / period)
    elif kind == "checks":
        value = np.sign(np.sin(x * 2 * np.pi / period)) * np.sign(np.sin(y * 2 * np.pi / period))
    else:
        cx, cy = rng.uniform(0, WIDTH), rng.uniform(0, HEIGHT)
        value = np.sin(np.hypot(x - cx, y - cy) * 2 * np.pi / period)
    base = rng.uniform(70, 180)
    contrast = rng.uniform(20, 70)
    noise = np.asarray(rng.normal(0, 8, (HEIGHT, WIDTH)), dtype=np.float32)
    return np.clip(base + contrast * value + noise, 0, 255).astype(np.uint8)


def blurred_noise(rng):
    noise = (rng.random((HEIGHT, WIDTH)) * 255).astype(np.uint8)
    image = Image.fromarray(noise).filter(ImageFilter.GaussianBlur(rng.uniform(2, 12)))
    array = np.asarray(image, dtype=np.float32)
    array = (array - array.mean()) / (array.std() + 1e-6) * rng.uniform(25, 60) + rng.uniform(80, 170)
    return np.clip(array, 0, 255).astype(np.uint8)


def face_fragments(rng, faces):
    """Tiles of 10-16 px crops of other faces (at most a third of their side), magnified 7-19x: parts of
    faces. (Crops of 16-24 px held whole faces often enough for MTCNN to find them: FER-2013's pictures
    often frame a head and shoulders, whose face is a third of the crop.)"""
    canvas = np.zeros((HEIGHT, WIDTH), dtype=np.uint8)
    tile = int(rng.integers(110, 190))
    for top in range(0, HEIGHT, tile):
        for left in range(0, WIDTH, tile):
            _, _, face = faces[int(rng.integers(len(faces)))]
            side = int(rng.integers(10, 17))
            y0, x0 = int(rng.integers(0, 48 - side)), int(rng.integers(0, 48 - side))
            crop = Image.fromarray(face[y0:y0 + side, x0:x0 + side]).resize((tile, tile), Image.BILINEAR)
            block = np.asarray(crop)[:HEIGHT - top, :WIDTH - left]
            canvas[top:top + block.shape[0], left:left + block.shape[1]] = block
    return canvas


def background(rng, faces, scene):
    kind = ["texture", "noise", "fragments"][scene % 3]
    return kind, texture(rng) if kind == "texture" else blurred_noise(rng) if kind == "noise" else face_fragments(rng, faces)


def one_face_scenes(args, faces, rng):
    chosen = rng.choice(len(faces), size=min(args.scenes, len(faces)), replace=False)
    for scene, index in enumerate(chosen):
        name, label, face = faces[index]
        _, canvas = background(rng, faces, scene)
        size = int(rng.integers(60, 301))
        x, y = int(rng.integers(0, WIDTH - size + 1)), int(rng.integers(0, HEIGHT - size + 1))
        canvas[y:y + size, x:x + size] = np.asarray(Image.fromarray(face).resize((size, size), Image.BICUBIC))
        stem = os.path.splitext(os.path.basename(name))[0]
        picture = np.asarray(Image.fromarray(face).resize((size, size), Image.BICUBIC))
        for folder, image in (("scenes", canvas), ("crops", face), ("pictures", picture)):
            os.makedirs(os.path.join(args.out, folder, label), exist_ok=True)
            Image.fromarray(image).save(os.path.join(args.out, folder, label, stem + ".png"))
    print(f"{len(chosen)} one-face scenes, their crops and the pasted pictures alone -> {args.out}/scenes, {args.out}/crops, {args.out}/pictures")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--scenes", type=int, default=300)
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--data", default=os.path.join(ROOT, "..", "shared", "data"))
    parser.add_argument("--classes", action="store_true", help="one face per scene, in class folders, beside the original crops")
    parser.add_argument("--rotate", type=float, default=0,
                        help="turn each pasted face by a random angle within +-DEGREES (truth: angle); the same scenes with the "
                             "faces unturned go to OUT/upright")
    args = parser.parse_args()
    faces = test_faces(args.data)
    rng = np.random.default_rng(args.seed)
    if args.classes:
        return one_face_scenes(args, faces, rng)
    os.makedirs(args.out, exist_ok=True)
    truth = []
    order = rng.permutation(len(faces))
    next_face = 0
    for scene in range(args.scenes):
        kind, canvas = background(rng, faces, scene)
        upright = canvas.copy()
        boxes = []
        for _ in range(int(rng.integers(1, 4))):
            size = int(rng.integers(60, 301))
            for _attempt in range(50):
                x, y = int(rng.integers(0, WIDTH - size + 1)), int(rng.integers(0, HEIGHT - size + 1))
                if all(x + size <= b["x"] or b["x"] + b["size"] <= x or y + size <= b["y"] or b["y"] + b["size"] <= y for b in boxes):
                    break
            else:
                continue
            name, label, face = faces[order[next_face % len(faces)]]
            next_face += 1
            pasted = Image.fromarray(face).resize((size, size), Image.BICUBIC)
            upright[y:y + size, x:x + size] = np.asarray(pasted)
            angle = float(rng.uniform(-args.rotate, args.rotate)) if args.rotate else 0.0
            if angle:
                # Counter-clockwise as seen; the corners the turn uncovers take the face's mean gray.
                pasted = pasted.rotate(angle, resample=Image.BICUBIC, fillcolor=int(face.mean()))
            canvas[y:y + size, x:x + size] = np.asarray(pasted)
            alone = f"scene-{scene:04d}-{len(boxes)}.png"
            os.makedirs(os.path.join(args.out, "alone"), exist_ok=True)
            pasted.save(os.path.join(args.out, "alone", alone))
            boxes.append({"x": x, "y": y, "size": size, "member": name, "label": label, "angle": angle, "alone": alone})
        file = f"scene-{scene:04d}.png"
        Image.fromarray(canvas).save(os.path.join(args.out, file))
        if args.rotate:
            os.makedirs(os.path.join(args.out, "upright"), exist_ok=True)
            Image.fromarray(upright).save(os.path.join(args.out, "upright", file))
        truth.append({"file": file, "background": kind, "faces": boxes})
    for folder in [args.out] + ([os.path.join(args.out, "upright")] if args.rotate else []):
        with open(os.path.join(folder, "truth.json"), "w") as f:
            json.dump({"seed": args.seed, "scenes": truth}, f, indent=1)
    # Each pasted picture alone (as pasted: grown, and turned with --rotate), as scenes of their own.
    alone = [{"file": face["alone"], "background": "alone", "faces": [{**face, "x": 0, "y": 0}]} for scene in truth for face in scene["faces"]]
    with open(os.path.join(args.out, "alone", "truth.json"), "w") as f:
        json.dump({"seed": args.seed, "scenes": alone}, f, indent=1)
    print(f"{args.scenes} scenes, {sum(len(s['faces']) for s in truth)} faces -> {args.out}")


if __name__ == "__main__":
    main()
