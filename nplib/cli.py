"""Command line: ``nplib inpaint IMAGE --mask MASK -o OUT [--source PATH]``, ``nplib methods``,
``nplib harmonise PHOTO --object OBJECT.png --at X,Y -o OUT``, ``nplib demo``.

Bad input ends with a one-line ``nplib: error: ...`` on stderr and exit code 2,
and never leaves an output file behind (outputs are written atomically). Images are
read upright (EXIF orientation) up to 8192x8192 pixels; in a mask, pixels at least
half-bright are the hole (see :mod:`nplib.io`).
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

from PIL import Image

from nplib import data
from nplib.harmonisation import COLOUR_STARTS, HarmoniseSettings, harmonise
from nplib.io import InputError, read_image, read_mask, read_rgba, save_figure, save_image
from nplib.methods import DEFAULT_METHOD, METHODS, inpaint
from nplib.synthesis import SCHEDULES

#: The bundled photo and mask that ``nplib demo`` inpaints.
DEMO_IMAGE, DEMO_MASK = "house_dogs", "house_dogs_object"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit code 2, no usage dump
        raise InputError(message)


def _check_output(path: Path) -> None:
    if path.suffix.lower() not in Image.registered_extensions():
        raise InputError(f"unknown image format for output file {path} (use .png or .jpg)")
    if path.is_dir():
        raise InputError(f"output path {path} is a directory")
    if path.parent.exists() and not path.parent.is_dir():
        raise InputError(f"cannot write {path}: {path.parent} is not a folder")


def _save(path: Path, save, *args) -> None:
    try:
        save(path, *args)
    except OSError as err:  # e.g. a folder that cannot be created or written
        raise InputError(f"cannot write {path}: {err.strerror or err}") from None


def _inpaint(args: argparse.Namespace) -> None:
    out = Path(args.output)
    _check_output(out)
    image = read_image(args.image)
    mask = read_mask(args.mask)
    sources = [read_image(path) for path in args.source] or None
    t0 = time.perf_counter()
    result = inpaint(image, mask, args.method, seed=args.seed, device=args.device,
                     schedule=args.schedule, sources=sources)
    _save(out, save_image, result)
    print(f"{args.method}: wrote {out} ({time.perf_counter() - t0:.1f} s)")


def _position(text: str) -> tuple[int, int]:
    try:
        x, y = (int(v) for v in text.split(","))
    except ValueError:
        raise InputError(f"--at must be X,Y in pixels (e.g. 120,80), got {text!r}") from None
    return x, y


def _harmonise(args: argparse.Namespace) -> None:
    out = Path(args.output)
    _check_output(out)
    photo = read_image(args.photo)
    rgba = read_rgba(args.object)
    at = _position(args.at)
    t0 = time.perf_counter()
    settings = HarmoniseSettings(start=args.start)
    if args.structure is not None:
        settings = replace(settings, structure=args.structure)
    result = harmonise(photo, rgba, at, settings, device=args.device)
    _save(out, save_image, result)
    print(f"harmonise: wrote {out} ({time.perf_counter() - t0:.1f} s)")


def _methods(args: argparse.Namespace) -> None:
    for name, entry in METHODS.items():
        print(f"{name:12s}{' (default)' if name == DEFAULT_METHOD else '':11s}{entry.description}")


def _demo(args: argparse.Namespace) -> None:
    from nplib.figures import image_row, show_hole

    out = Path(args.out)
    if not data.image_path(DEMO_IMAGE).is_file():  # an installed wheel has no bundled photos
        raise InputError("nplib demo needs the bundled photos of a clone of the repository "
                         "(data/images/); nplib inpaint works anywhere")
    image = data.load_image(DEMO_IMAGE)
    mask = data.load_mask(DEMO_MASK)
    t0 = time.perf_counter()
    result = inpaint(image, mask, args.method, seed=args.seed, device=args.device,
                     schedule=args.schedule)
    seconds = time.perf_counter() - t0
    _save(out / "result.png", save_image, result)
    fig = image_row(
        [show_hole(image, mask), result],
        ["input with hole (magenta)", f"result: {args.method}, {seconds:.1f} s"],
        f"nplib demo: object removal on data/images/{DEMO_IMAGE}.jpg",
    )
    _save(out / "side_by_side.png", save_figure, fig)
    print(f"{args.method}: {seconds:.1f} s; wrote {out / 'result.png'} and "
          f"{out / 'side_by_side.png'}")
    print(f"output folder: {out.resolve()}")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``nplib`` command."""
    parser = _Parser(prog="nplib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    common = _Parser(add_help=False)
    common.add_argument("--method", default=DEFAULT_METHOD,
                        help=f"one of: {', '.join(METHODS)} (default {DEFAULT_METHOD})")
    common.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    common.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default)")
    common.add_argument("--schedule", choices=sorted(SCHEDULES),
                        help="schedule of --method full: fast (seconds a 512x512 photo on "
                             "a CPU) or paper (the authors' 100 iterations a level; the "
                             "default on CUDA, fast elsewhere)")  # fmt: skip

    p = sub.add_parser("inpaint", parents=[common], help="fill the hole of an image")
    p.add_argument("image", help="input image file (any format Pillow reads)")
    p.add_argument("--mask", required=True, help="mask file: white (at least half-bright) = hole")
    p.add_argument("-o", "--output", required=True, help="output image file (.png, .jpg)")
    p.add_argument("--source", action="append", default=[], metavar="PATH",
                   help="another photo of the scene to copy patches from, at the image's "
                        "scale (repeatable; --method patchmatch, texture or full)")
    p.set_defaults(run=_inpaint)

    p = sub.add_parser("harmonise", help="paste an object into a photo and harmonise it")
    p.add_argument("photo", help="the photo (scene) file")
    p.add_argument("--object", required=True, help="the object: an RGBA PNG, alpha = its shape")
    p.add_argument("--at", required=True, metavar="X,Y",
                   help="where the object's top-left corner goes in the photo, in pixels")
    p.add_argument("--structure", type=float, metavar="W",
                   help="weight of the object's own edges against the scene's patches "
                        "(default nplib.harmonisation.STRUCTURE; lower: follows the scene more)")
    p.add_argument("--start", choices=COLOUR_STARTS, default=COLOUR_STARTS[0],
                   help="the object's colours to start from (default colour-transfer: the "
                        "Lab mean and spread of the photo around it)")
    p.add_argument("--device", default="auto", help="cpu, cuda, mps or auto (default)")
    p.add_argument("-o", "--output", required=True, help="output image file (.png, .jpg)")
    p.set_defaults(run=_harmonise)

    p = sub.add_parser("methods", help="list the available methods")
    p.set_defaults(run=_methods)

    p = sub.add_parser("demo", parents=[common], help="inpaint a bundled photo")
    p.add_argument("--out", default="outputs/demo", help="output folder (default outputs/demo)")
    p.set_defaults(run=_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code (0 ok, 2 bad input)."""
    try:
        args = build_parser().parse_args(argv)
        if getattr(args, "method", None) is not None and args.method not in METHODS:
            raise InputError(f"unknown method {args.method!r}; available: {', '.join(METHODS)}")
        args.run(args)
    except InputError as err:
        print(f"nplib: error: {err}", file=sys.stderr)
        return 2
    return 0
