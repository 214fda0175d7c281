#!/usr/bin/env python
"""(Re)build ``data/``: photos, licence records, the train/held-out split, masks,
cut-out objects (``data/objects/``) and pairs of shots of one place (``data/pairs/``).

Run from the repository root::

    .venv/bin/python scripts/build_data.py
    .venv/bin/python scripts/build_data.py --extras   # objects, pairs, LICENSES.md only

Sources (no web downloads):

* photos bundled with scikit-image and scikit-learn (already installed);
* Debian packages fetched with ``apt-get download`` into a temporary
  directory and unpacked with ``dpkg-deb -x``: wallpaper packages, the KDE
  jigsaw game's photos (``palapeli-data``) and GCompris' photos
  (``gcompris-qt-data``), which sit inside Qt resource bundles (``.rcc``, read
  by ``read_rcc`` below); the cut-out objects are Tux Paint's photographic
  rubber stamps (``tuxpaint-stamps-default``, RGBA PNGs).

Every photo is converted to RGB, its long side is reduced to at most 1024 px
(Pillow LANCZOS, aspect ratio kept) and it is saved as a baseline JPEG of
quality 90 without metadata, so re-running the script gives the same bytes
(for the same package versions, recorded in ``data/images.json``).

Masks are 8-bit grayscale PNGs, 255 = hole (unknown), 0 = known.

Objects (``data/objects/<slug>.png``) stay RGBA with the stamp's own alpha (the
object's mask); only stamps longer than 200 px are reduced (Pillow LANCZOS on
premultiplied alpha, mode ``RGBa``).  The pairs (``data/pairs/``) are two
photographs of the same place from different positions or at different times,
processed like the photos; records in ``data/objects.json`` / ``data/pairs.json``.
"""

from __future__ import annotations

import argparse
import functools
import io
import json
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageOps

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
MAX_SIDE = 1024
JPEG_QUALITY = 90

# Debian packages: name -> version the data set was built from.  A different
# version is used (with a warning) when this exact one is not available.
PACKAGES = {
    "lomiri-wallpapers-16.04": "20.04.0-2",
    "lomiri-wallpapers-20.04": "20.04.0-2",
    "mate-backgrounds": "1.26.0-1",
    "lxqt-themes": "1.2.0-1",
    "palapeli-data": "4:22.12.3-1",
    "gcompris-qt-data": "3.1-2",
    "tuxpaint-stamps-default": "2022.06.04-1",
}

LOMIRI = "usr/share/backgrounds/"
MATE = "usr/share/backgrounds/mate/nature/"
LXQT = "usr/share/lxqt/wallpapers/"
PALAPELI = "usr/share/palapeli/collection/"
TUXPAINT = "usr/share/tuxpaint/stamps/"


def gcompris(activity: str, path: str) -> str:
    """Origin of a file inside GCompris' bundle for ``activity``: ``<rcc>:/<path>``."""
    return (f"usr/share/gcompris-qt/rcc/{activity}.rcc:"
            f"/gcompris/src/activities/{activity}/resource/{path}")


def monument(path: str) -> str:
    return gcompris("explore_monuments", path)

# (slug, what it shows, kind, source, origin, author, SPDX licence)
# kind is one of "building" (buildings / streets / man-made scenes),
# "nature" (landscapes, plants, textures) or "object" (a salient object).
# source is "skimage", "sklearn" or a Debian package name; origin is the
# function name or the path inside the package.
IMAGES = [
    # --- scikit-image (bundled in skimage/data, licences in the docstrings)
    ("astronaut", "astronaut Eileen Collins in front of a US flag", "object",
     "skimage", "skimage.data.astronaut()", "NASA", "LicenseRef-PublicDomain"),
    ("coffee", "cup of coffee on a saucer with a spoon", "object",
     "skimage", "skimage.data.coffee()", "Rachel Michetti", "CC0-1.0"),
    ("chelsea", "tabby cat (Chelsea)", "object",
     "skimage", "skimage.data.chelsea()", "Stefan van der Walt", "CC0-1.0"),
    ("rocket", "SpaceX Falcon 9 rocket on its launch pad", "building",
     "skimage", "skimage.data.rocket()", "SpaceX", "LicenseRef-PublicDomain"),
    # --- scikit-learn (sklearn/datasets/images/README.txt)
    ("china_pagoda", "Chinese pagoda / temple building among trees", "building",
     "sklearn", "sklearn.datasets.load_sample_images(): china.jpg",
     "danielbuechele (Flickr)", "CC-BY-2.0"),
    ("flower_closeup", "close-up of an orange dahlia", "nature",
     "sklearn", "sklearn.datasets.load_sample_images(): flower.jpg",
     "vultilion (Flickr)", "CC-BY-2.0"),
    # --- lomiri-wallpapers-16.04 (copyright file lists licence per file)
    ("bridge", "cables of a suspension bridge over a tidal flat", "building",
     "lomiri-wallpapers-16.04", LOMIRI + "Bridge_by_Sander_Klootwijk.jpg",
     "Sander Klootwijk", "CC-BY-SA-4.0"),
    ("dragonfly_bush", "dragonfly on a twig in a leafy bush", "nature",
     "lomiri-wallpapers-16.04", LOMIRI + "Dragonfly_by_Bolly.jpg",
     "Bolly", "CC-BY-SA-4.0"),
    ("fig_bowl", "halved fig in a red bowl on concrete", "object",
     "lomiri-wallpapers-16.04", LOMIRI + "Picture_0B_by_freespace.jpg",
     'Trevor "Freespace"', "CC-BY-4.0"),
    ("paint_brushes", "paint brushes in a jar", "object",
     "lomiri-wallpapers-16.04", LOMIRI + "Picture_1A_by_freespace.jpg",
     'Trevor "Freespace"', "CC-BY-4.0"),
    ("living_room", "living room with a djembe drum, table and wine", "building",
     "lomiri-wallpapers-16.04", LOMIRI + "Wine_by_Jakkub_Mede.jpg",
     "Jakub Mede", "CC-BY-4.0"),
    ("autumn_mountains", "autumn forest, meadow and mountain ridge", "nature",
     "lomiri-wallpapers-16.04", LOMIRI + "aitzgorri_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    ("bird_lamp", "bird ornament hanging under ceiling lamps", "object",
     "lomiri-wallpapers-16.04", LOMIRI + "free_by_Peter_Nerlich.jpg",
     "Peter Nerlich", "CC-BY-SA-4.0"),
    ("house_dogs", "two dogs looking out of a wooden house", "building",
     "lomiri-wallpapers-16.04", LOMIRI + "friends_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    ("wall_clock", "wall clock seen at a grazing angle", "object",
     "lomiri-wallpapers-16.04", LOMIRI + "greentock_by_Peter_Nerlich.jpg",
     "Peter Nerlich", "CC-BY-SA-4.0"),
    ("forest_stream", "stream over rocks in a forest", "nature",
     "lomiri-wallpapers-16.04", LOMIRI + "life_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    ("mountain_path", "path across a pasture below rocky mountains", "nature",
     "lomiri-wallpapers-16.04", LOMIRI + "picosdeeuropa_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    ("dandelions", "dandelion seed heads in a meadow", "nature",
     "lomiri-wallpapers-16.04", LOMIRI + "seeding_by_Clements_Engelhardt.jpg",
     "Clemens Engelhardt", "CC0-1.0"),
    ("sunset_hill", "sunset over hills with a stone basin", "nature",
     "lomiri-wallpapers-16.04", LOMIRI + "sunset_by_Aitzol_Berasategi.jpg",
     "Aitzol Berasategi", "CC-BY-4.0"),
    # --- lomiri-wallpapers-20.04
    ("nuthatch_tree", "nuthatch on a tree trunk", "nature",
     "lomiri-wallpapers-20.04", LOMIRI + "Kleiber_by_Lukas_Baubkus.jpg",
     "Lukas Baubkus", "CC-BY-SA-3.0"),
    # --- mate-backgrounds (nature/*, all GPL-2+ per the copyright file)
    ("dune_grass", "dune grass in front of the sea", "nature",
     "mate-backgrounds", MATE + "Dune.jpg", "Marco Cogoni", "GPL-2.0-or-later"),
    ("marigold", "orange marigold flower", "nature",
     "mate-backgrounds", MATE + "Garden.jpg", "Charles Barbin", "GPL-2.0-or-later"),
    ("grass_meadow", "dense green grass blades", "nature",
     "mate-backgrounds", MATE + "GreenMeadow.jpg", "Timothy Schellhase",
     "GPL-2.0-or-later"),
    ("ladybird", "ladybird on a grass stem among forget-me-nots", "nature",
     "mate-backgrounds", MATE + "LadyBird.jpg", "Charles Barbin",
     "GPL-2.0-or-later"),
    ("raindrops_leaf", "rain drops on green leaves", "nature",
     "mate-backgrounds", MATE + "RainDrops.jpg", "blackcombwhistler07",
     "GPL-2.0-or-later"),
    ("storm_road", "storm clouds over a motorway", "building",
     "mate-backgrounds", MATE + "Storm.jpg", "Sergey Nazarov", "GPL-2.0-or-later"),
    ("wood_planks", "weathered wooden planks", "nature",
     "mate-backgrounds", MATE + "Wood.jpg", "Jean-François Fortin Tam",
     "GPL-2.0-or-later"),
    ("yellow_flower", "yellow daisy-like flower", "nature",
     "mate-backgrounds", MATE + "YellowFlower.jpg", "Charles Barbin",
     "GPL-2.0-or-later"),
    # --- lxqt-themes (wallpapers/License: CC-BY-SA-3.0, photos by stefonarch)
    ("wildflowers", "meadow of purple and blue wildflowers", "nature",
     "lxqt-themes", LXQT + "flowers.png", "stefonarch (LXQt)", "CC-BY-SA-3.0"),
    ("butterfly", "swallowtail butterfly on a thistle flower", "nature",
     "lxqt-themes", LXQT + "butterfly.png", "stefonarch (LXQt)", "CC-BY-SA-3.0"),
    ("green_hills", "green hills, ploughed field and row of trees", "nature",
     "lxqt-themes", LXQT + "this-is-not-windows.jpg", "stefonarch (LXQt)",
     "CC-BY-SA-3.0"),
    # --- palapeli-data (author and licence in each puzzle's .desktop file)
    ("cincinnati_bridge", "Roebling suspension bridge, Cincinnati, lit at night",
     "building", "palapeli-data", PALAPELI + "cincinnati-bridge.jpg",
     "Derek Jensen (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("honey_bee", "honey bee on a purple aster", "nature",
     "palapeli-data", PALAPELI + "european-honey-bee.jpg",
     "John Severns (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("citrus_slices", "slices of oranges, lemons and limes", "object",
     "palapeli-data", PALAPELI + "citrus-fruits.jpg",
     "US Department of Agriculture", "LicenseRef-PublicDomain"),
    # --- gcompris-qt-data, explore_monuments (licence per file in the bundle's
    # resource/README; photos from Wikimedia Commons)
    ("bent_pyramid", "Bent Pyramid of Dahshur in the desert", "building",
     "gcompris-qt-data", monument("egypt/bentPyramid.webp"),
     "Neithsabes (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("giza_pyramid", "stone courses of the Great Pyramid of Giza", "building",
     "gcompris-qt-data", monument("egypt/greatPyramidOfGiza.webp"),
     "Gary Todd (Wikimedia Commons)", "CC0-1.0"),
    ("meidum_pyramid", "Meidum pyramid on a desert plain", "building",
     "gcompris-qt-data", monument("egypt/meidumPyramid.webp"),
     "Neithsabes (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("red_pyramid", "Red Pyramid of Dahshur behind sand", "building",
     "gcompris-qt-data", monument("egypt/redPyramid.webp"),
     "Chipdawes (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("arles_arena", "arcades of the Roman amphitheatre of Arles", "building",
     "gcompris-qt-data", monument("france/arlesAmphitheater.webp"),
     "OT Arles (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("chambord", "Château de Chambord behind a lawn", "building",
     "gcompris-qt-data", monument("france/chateaudeChambord.webp"),
     "BjörnT (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("chenonceau", "Château de Chenonceau spanning the river Cher", "building",
     "gcompris-qt-data", monument("france/chateaudeChenonceau.webp"),
     "Alf van Beem (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("carcassonne", "walls and towers of the Cité de Carcassonne", "building",
     "gcompris-qt-data", monument("france/citedeCarcassonne.webp"),
     "Petitemontagnedujura (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("eiffel_tower", "Eiffel Tower above the trees of the Champ de Mars",
     "building", "gcompris-qt-data", monument("france/eiffelTower.webp"),
     "Tognopop (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("mont_st_michel", "Mont-Saint-Michel beyond salt meadows", "building",
     "gcompris-qt-data", monument("france/montStMichel.webp"),
     "Ali Sabbagh (Wikimedia Commons)", "CC0-1.0"),
    ("palais_des_papes", "gothic front of the Palais des Papes, Avignon",
     "building", "gcompris-qt-data", monument("france/palaisdesPapes.webp"),
     "Tognopop (Wikimedia Commons)", "CC0-1.0"),
    ("pont_du_gard", "Pont du Gard Roman aqueduct over a wooded valley",
     "building", "gcompris-qt-data", monument("france/pontduGard.webp"),
     "Mimova (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("reims_cathedral", "apse and buttresses of Reims cathedral", "building",
     "gcompris-qt-data", monument("france/reimsCathedral.webp"),
     "Mattana (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("rocamadour", "village of Rocamadour on a wooded cliff", "building",
     "gcompris-qt-data", monument("france/rocamadour.webp"),
     "François Darras (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("aula_palatina", "brick Aula Palatina in Trier, parked cars in front",
     "building", "gcompris-qt-data", monument("germany/aulaPalatina.webp"),
     "Berthold Werner (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("berlin_cathedral", "Berlin Cathedral and its domes", "building",
     "gcompris-qt-data", monument("germany/berlinCathedral.webp"),
     "Gary Todd (Wikimedia Commons)", "CC0-1.0"),
    ("brandenburg_gate", "Brandenburg Gate lit at dusk", "building",
     "gcompris-qt-data", monument("germany/brandenburgGate.webp"),
     "Evans1551 (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("neuschwanstein", "Neuschwanstein Castle above a forest", "building",
     "gcompris-qt-data", monument("germany/neuschwansteinCastle.webp"),
     "cameralends (Wikimedia Commons)", "CC0-1.0"),
    ("schwerin_palace", "Schwerin Palace across a lake, bare trees", "building",
     "gcompris-qt-data", monument("germany/schwerinPalace.webp"),
     "Hermann Luyken (Wikimedia Commons)", "CC0-1.0"),
    ("trier_baths", "ruins of the Imperial Baths in Trier behind a lawn",
     "building", "gcompris-qt-data", monument("germany/trierImperialBaths.webp"),
     "Berthold Werner (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("worms_cathedral", "Worms Cathedral with a bronze model in front",
     "building", "gcompris-qt-data", monument("germany/wormsCathedral.webp"),
     "Immanuel Giel (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("ajanta_caves", "Ajanta caves cut into a green gorge", "building",
     "gcompris-qt-data", monument("india/ajantaCave.webp"),
     "Jonathanawhite (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("charminar", "Charminar monument, Hyderabad", "building",
     "gcompris-qt-data", monument("india/charminar.webp"),
     "Goutamkhandelwal (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("gateway_of_india", "Gateway of India lit at night, palm tree", "building",
     "gcompris-qt-data", monument("india/gatewayofIndia.webp"),
     "Simon Steinberger (Wikimedia Commons)", "CC0-1.0"),
    ("golden_temple", "Golden Temple, Amritsar, across its pool", "building",
     "gcompris-qt-data", monument("india/goldenTemple.webp"),
     "Jasdeep Singh (Wikimedia Commons)", "CC0-1.0"),
    ("sanchi_stupa", "Great Stupa of Sanchi", "building",
     "gcompris-qt-data", monument("india/greatStupa.webp"),
     "ArnoldBetten (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("hawa_mahal", "pink sandstone facade of Hawa Mahal, Jaipur", "building",
     "gcompris-qt-data", monument("india/hawaMahal.webp"),
     "Janwiki (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("konark_temple", "carved stone front of the Konark Sun Temple", "building",
     "gcompris-qt-data", monument("india/konarkSunTemple.webp"),
     "Tetraktys (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("mysore_palace", "Mysore Palace and its gardens", "building",
     "gcompris-qt-data", monument("india/mysorePalace.webp"),
     "Shiva sg (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("qutub_minar", "Qutub Minar framed by a stone arch", "building",
     "gcompris-qt-data", monument("india/qutubMinar.webp"),
     "pramadas (Wikimedia Commons)", "CC0-1.0"),
    ("rang_ghar", "Rang Ghar pavilion, Assam", "building",
     "gcompris-qt-data", monument("india/rangGhar.webp"),
     "Porikolpok Oxom (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("victoria_memorial", "Victoria Memorial, Kolkata, behind a lawn",
     "building", "gcompris-qt-data", monument("india/victoriaMemorial.webp"),
     "Anourag (Wikimedia Commons)", "CC0-1.0"),
    ("cabrillo_statue", "statue at Cabrillo National Monument", "object",
     "gcompris-qt-data", monument("usa/cabrillo.webp"),
     "allyndon (Wikimedia Commons)", "CC0-1.0"),
    ("canyon_de_chelly", "river through the red-rock Canyon de Chelly",
     "nature", "gcompris-qt-data", monument("usa/canyondeChelly.webp"),
     "Nikater (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("castillo_san_marcos", "aerial view of the Castillo de San Marcos fort",
     "building", "gcompris-qt-data", monument("usa/castillodeSanMarcos.webp"),
     "National Park Service", "LicenseRef-PublicDomain"),
    ("fort_sumter", "brick ruins of Fort Sumter by the sea", "building",
     "gcompris-qt-data", monument("usa/fortSumter.webp"),
     "Gary Todd (Wikimedia Commons)", "CC0-1.0"),
    ("washington_birthplace", "brick house at George Washington Birthplace",
     "building", "gcompris-qt-data",
     monument("usa/georgeWashingtonBirthplace.webp"),
     "National Park Service", "LicenseRef-PublicDomain"),
    ("lincoln_memorial", "Lincoln Memorial lit at night", "building",
     "gcompris-qt-data", monument("usa/lincolnMemorial.webp"),
     "Brylie Christopher Oxley (Wikimedia Commons)", "CC0-1.0"),
    ("mount_rushmore", "faces carved into the granite of Mount Rushmore",
     "building", "gcompris-qt-data", monument("usa/mountRushmore.webp"),
     "Eekim (Wikimedia Commons)", "CC0-1.0"),
    ("betatakin", "Betatakin cliff dwellings in a sandstone alcove", "building",
     "gcompris-qt-data", monument("usa/navajo.webp"),
     "Jon Sullivan (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("statue_of_liberty", "Statue of Liberty on its pedestal", "object",
     "gcompris-qt-data", monument("usa/statueofLiberty.webp"),
     "Ypsilonatshared (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("chichen_itza", "El Castillo step pyramid, Chichén Itzá", "building",
     "gcompris-qt-data", monument("wonders/chichenItza.webp"),
     "Daniel Schwen (Wikimedia Commons)", "CC-BY-SA-4.0"),
    ("christ_redeemer", "Christ the Redeemer above Rio de Janeiro", "building",
     "gcompris-qt-data", monument("wonders/christTheRedeemer.webp"),
     "Chensiyuan (Wikimedia Commons)", "CC-BY-SA-4.0"),
    ("colosseum", "Colosseum, Rome", "building",
     "gcompris-qt-data", monument("wonders/colosseum.webp"),
     "Urse Ovidiu (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("great_wall", "Great Wall of China over green hills", "building",
     "gcompris-qt-data", monument("wonders/greatWallofChina.webp"),
     "Nicolas Perrault III (Wikimedia Commons)", "CC0-1.0"),
    ("machu_picchu", "Machu Picchu ruins below mountains", "building",
     "gcompris-qt-data", monument("wonders/machuPicchu.webp"),
     "Guillaume Pascal (Wikimedia Commons)", "CC0-1.0"),
    ("petra_treasury", "rock-cut facade of Al-Khazneh, Petra", "building",
     "gcompris-qt-data", monument("wonders/petra.webp"),
     "Berthold Werner (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("taj_mahal", "Taj Mahal and its gardens", "building",
     "gcompris-qt-data", monument("wonders/tajMahal.webp"),
     "Yann (Wikimedia Commons)", "CC-BY-SA-4.0"),
    # --- gcompris-qt-data, other activities (README next to the photos)
    ("taiko_festival", "taiko drummers at a night street festival", "building",
     "gcompris-qt-data", gcompris("explore_world_music", "music/japan.webp"),
     "takami torao (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("orchestra", "orchestra on a concert-hall stage", "building",
     "gcompris-qt-data", gcompris("explore_world_music", "music/orchestra.webp"),
     "ABC Informática (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("underwater_road", "sunken Roman road on the sea floor, Baia", "nature",
     "gcompris-qt-data", gcompris("clickgame", "sea1.webp"),
     "Ruthven (Wikimedia Commons)", "CC0-1.0"),
    ("underwater_rocks", "underwater rocks and weed, Baia", "nature",
     "gcompris-qt-data", gcompris("clickgame", "sea2.webp"),
     "Ruthven (Wikimedia Commons)", "CC0-1.0"),
    ("coral_porthole", "corals seen through an aquarium porthole", "nature",
     "gcompris-qt-data", gcompris("clickgame", "sea3.webp"),
     "SolarSurfer (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("black_coral", "black coral under water, Milford Sound", "nature",
     "gcompris-qt-data", gcompris("clickgame", "sea4.webp"),
     "Pseudopanax (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("basket_starfish", "basket starfish on the sea floor", "nature",
     "gcompris-qt-data", gcompris("clickgame", "sea6.webp"),
     "U.S. Fish and Wildlife Service", "LicenseRef-PublicDomain"),
    ("bactrian_camels", "Bactrian camels on the Mongolian steppe", "nature",
     "gcompris-qt-data", gcompris("erase", "camels.webp"),
     "Alexandr frolov (Wikimedia Commons)", "CC-BY-SA-4.0"),
    ("alpine_goat", "blackneck goat below Alpine peaks", "nature",
     "gcompris-qt-data", gcompris("erase", "goat.webp"),
     "JoachimKohlerBremen (Wikimedia Commons)", "CC-BY-SA-4.0"),
    ("zanskari_horse", "Zanskari horse in Ladakh, snowy mountains behind",
     "nature", "gcompris-qt-data", gcompris("erase", "horse.webp"),
     "Eatcha (Wikimedia Commons)", "CC-BY-SA-4.0"),
    ("spoonbills", "two spoonbills wading in shallow water", "nature",
     "gcompris-qt-data", gcompris("erase", "spoonbills.webp"),
     "Ryzhkov Sergey (Wikimedia Commons)", "CC-BY-SA-4.0"),
    ("sally_crab", "Sally Lightfoot crab on grey rock", "nature",
     "gcompris-qt-data", gcompris("erase", "crab.webp"),
     "Nosferattus (Wikimedia Commons)", "CC0-1.0"),
    ("bison_meadow", "American bison grazing on a meadow", "nature",
     "gcompris-qt-data", gcompris("explore_world_animals", "animals/bison.webp"),
     "Kurt Kaiser (Wikimedia Commons)", "CC0-1.0"),
    ("giraffes_savanna", "two giraffes among savanna trees", "nature",
     "gcompris-qt-data", gcompris("explore_world_animals", "animals/giraffe.webp"),
     "Mike and Lara Wolfe (Wikimedia Commons)", "CC0-1.0"),
    ("kangaroos", "eastern grey kangaroo and joey on a forest path", "nature",
     "gcompris-qt-data",
     gcompris("explore_world_animals", "animals/kangaroo.webp"),
     "Vicki Nunn (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("cows_pasture", "black-and-white cows on a pasture", "nature",
     "gcompris-qt-data", gcompris("explore_farm_animals", "animals/cow.webp"),
     "Dohduhdah (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("nokota_horses", "band of Nokota horses on a grassy hill", "nature",
     "gcompris-qt-data", gcompris("explore_farm_animals", "animals/horse.webp"),
     "Seth Zeigler (Wikimedia Commons)", "CC0-1.0"),
]

# Fixed held-out split (9 of the first 31 photos): two man-made scenes, four
# nature scenes/textures and three object photos.  Photos added later all go
# to the train split; never move a photo between splits.
HELDOUT = [
    "house_dogs", "storm_road",
    "mountain_path", "ladybird", "wildflowers", "dune_grass",
    "coffee", "chelsea", "wall_clock",
]

LICENSE_URLS = {
    "CC0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
    "LicenseRef-PublicDomain": "(public domain: see the scikit-image docstring "
                               "or the package's per-file credits)",
    "CC-BY-2.0": "https://creativecommons.org/licenses/by/2.0/",
    "CC-BY-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "CC-BY-SA-3.0": "https://creativecommons.org/licenses/by-sa/3.0/",
    "CC-BY-SA-4.0": "https://creativecommons.org/licenses/by-sa/4.0/",
    "GPL-2.0-or-later": "https://www.gnu.org/licenses/old-licenses/gpl-2.0.html",
}


# ----------------------------------------------------------------- objects
# Cut-out objects for pasting into a photo (harmonise): photographic Tux Paint
# stamps with clean alpha.  (slug, what it shows, origin inside
# tuxpaint-stamps-default, author, SPDX licence, where the credit is stated).
# Debian's copyright file covers the package as `Files: *` Bill Kendrick,
# "GPL-2" (its text: version 2 or any later version); the per-stamp credits are
# in upstream's CHANGES.txt, shipped as usr/share/doc/<package>/changelog.gz.
# Stamps credited there under another licence (GFDL, CC-BY(-SA) 2.x, ...) are
# not used.
OBJECT_MAX_SIDE = 200
OBJECTS = [
    ("white_rabbit", "white rabbit with big dark ears, sitting",
     TUXPAINT + "animals/mammals/rodents/rabbit-2.png", "Pere Pujal i Carabantes",
     "GPL-2.0-or-later",
     'entry 2009.June.28, "License Gnu/GPL v2 or high", Pere Pujal i Carabantes'),
    ("cep_mushroom", "cep (porcini) mushroom with a red-brown cap",
     TUXPAINT + "plants/mushrooms/cep.png", "Pere Pujal i Carabantes",
     "GPL-2.0-or-later",
     'entry 2009.June.28, "License Gnu/GPL v2 or high", Pere Pujal i Carabantes'),
    ("peacock", "peacock walking, blue neck and long green train",
     TUXPAINT + "animals/birds/peacock.png", "Bill Kendrick", "GPL-2.0-or-later",
     'entry 2005.November.25, "Birds from the San Francisco Zoo", Bill Kendrick'),
    ("magellanic_penguin", "Magellanic penguin standing",
     TUXPAINT + "animals/birds/magellanic_penguin.png", "Bill Kendrick",
     "GPL-2.0-or-later",
     'entry 2005.November.25, "Birds from the San Francisco Zoo", Bill Kendrick'),
    ("rubber_duck", "yellow rubber duck toy",
     TUXPAINT + "household/rubberduck.png", "Bill Kendrick", "GPL-2.0-or-later",
     'entry 2002.October.16 lists "a Rubber Duck" with no contributor named '
     "(so Bill Kendrick, per the copyright file)"),
]

# ------------------------------------------------------------------- pairs
# Two photographs of the same place, from different positions / at different
# times (inpainting with patches from another photo, `sources=`).  (pair, slug,
# what it shows, kind, source, origin, author, SPDX licence); processed like
# IMAGES.  The `_a` shots are the same files as data/images/<pair>.jpg; the `_b`
# shots are the backgrounds of GCompris' "details" activity, complete photos
# (the activity's pieces are separate files), licensed per that bundle's
# resource/image/README.  scikit-image's stereo_motorcycle() pair (Middlebury
# 2014) is bundled in the wheel but its docstring states no licence, so it is
# not used.
PAIRS = [
    ("chenonceau", "chenonceau_a",
     "Château de Chenonceau across the Cher, from the bank by a stone parapet",
     "building", "gcompris-qt-data", monument("france/chateaudeChenonceau.webp"),
     "Alf van Beem (Wikimedia Commons)", "LicenseRef-PublicDomain"),
    ("chenonceau", "chenonceau_b",
     "Château de Chenonceau's gallery over the Cher, from downstream on the water",
     "building", "gcompris-qt-data",
     gcompris("details", "image/Chenonceau_background.webp"),
     "Ra-smit (Wikimedia Commons); adapted by GCompris (Bruno Coudoin and others)",
     "CC-BY-SA-4.0"),
    ("taj_mahal", "taj_mahal_a",
     "Taj Mahal from far down its gardens, clouds behind",
     "building", "gcompris-qt-data", monument("wonders/tajMahal.webp"),
     "Yann (Wikimedia Commons)", "CC-BY-SA-4.0"),
    ("taj_mahal", "taj_mahal_b",
     "Taj Mahal close up from the water channel, clear sky, visitors",
     "building", "gcompris-qt-data", gcompris("details", "image/TajMahal_background.webp"),
     "Dhirad (Wikimedia Commons); adapted by GCompris (Bruno Coudoin and others)",
     "CC-BY-SA-4.0"),
]


# ----------------------------------------------------------------- sources
def fetch_packages(tmp: Path, names=None) -> dict[str, tuple[Path, str]]:
    """apt-get download + dpkg-deb -x each package (all of PACKAGES, or ``names``);
    return name -> (root, version)."""
    out = {}
    for name in names or PACKAGES:
        version = PACKAGES[name]
        before = set(tmp.glob("*.deb"))
        r = subprocess.run(["apt-get", "download", f"{name}={version}"], cwd=tmp,
                           capture_output=True, text=True)
        if r.returncode != 0:
            print(f"warning: {name}={version} not available, using the candidate "
                  "version (output may differ)", file=sys.stderr)
            subprocess.run(["apt-get", "download", name], cwd=tmp, check=True,
                           capture_output=True)
        (deb,) = set(tmp.glob("*.deb")) - before
        got = subprocess.run(["dpkg-deb", "-f", str(deb), "Version"], check=True,
                             capture_output=True, text=True).stdout.strip()
        root = tmp / name
        subprocess.run(["dpkg-deb", "-x", str(deb), str(root)], check=True)
        out[name] = (root, got)
    return out


@functools.cache
def read_rcc(path: Path) -> dict[str, bytes]:
    """Files in a Qt resource bundle (``.rcc``, format "qres" v1-3) by path."""
    buf = path.read_bytes()
    assert buf[:4] == b"qres", path
    version, tree, data, names = struct.unpack(">IIII", buf[4:20])
    node = 14 if version == 1 else 22  # v2+ add a 64-bit modification time

    def name(off: int) -> str:
        (n,) = struct.unpack(">H", buf[names + off:names + off + 2])
        return buf[names + off + 6:names + off + 6 + 2 * n].decode("utf-16-be")

    files = {}
    todo = [(0, "")]  # (node index, parent path); node 0 is the root
    while todo:
        i, parent = todo.pop()
        p = tree + i * node
        name_off, flags = struct.unpack(">IH", buf[p:p + 6])
        path_i = f"{parent}/{name(name_off)}" if i else ""
        if flags & 2:  # directory: child count, first child index
            count, first = struct.unpack(">II", buf[p + 6:p + 14])
            todo += [(c, path_i) for c in range(first, first + count)]
            continue
        (off,) = struct.unpack(">I", buf[p + 10:p + 14])  # after locale
        (size,) = struct.unpack(">I", buf[data + off:data + off + 4])
        raw = buf[data + off + 4:data + off + 4 + size]
        if flags & 4:
            raise NotImplementedError(f"zstd-compressed entry {path_i} in {path}")
        if flags & 1:  # qCompress: 4-byte length, then a zlib stream
            raw = zlib.decompress(raw[4:])
        files[path_i] = raw
    return files


def load_source(source: str, origin: str, pkgs) -> Image.Image:
    if source == "skimage":
        import skimage.data
        fn = origin.split("skimage.data.")[1].split("(")[0]
        return Image.fromarray(getattr(skimage.data, fn)())
    if source == "sklearn":
        from sklearn.datasets import load_sample_images
        ds = load_sample_images()
        fname = origin.split(": ")[1]
        names = [Path(f).name for f in ds.filenames]
        return Image.fromarray(ds.images[names.index(fname)])
    root, _ = pkgs[source]
    if ".rcc:/" in origin:  # <bundle>.rcc:/<path inside the bundle>
        bundle, inner = origin.split(".rcc:", 1)
        im = Image.open(io.BytesIO(read_rcc(root / f"{bundle}.rcc")[inner]))
    else:
        im = Image.open(root / origin)
    im.load()
    return ImageOps.exif_transpose(im)


def resize_long_side(im: Image.Image, max_side: int = MAX_SIDE) -> Image.Image:
    im = im.convert("RGB")
    w, h = im.size
    s = max_side / max(w, h)
    if s < 1:
        im = im.resize((max(1, round(w * s)), max(1, round(h * s))),
                       Image.Resampling.LANCZOS)
    return im


def source_version(source: str, pkgs) -> str:
    if source == "skimage":
        import skimage
        return f"scikit-image {skimage.__version__}"
    if source == "sklearn":
        import sklearn
        return f"scikit-learn {sklearn.__version__}"
    return f"{source} {pkgs[source][1]} (Debian)"


# ------------------------------------------------------------------- masks
# Object-removal masks, in pixel coordinates of the *resized* data/images
# photo.  Each entry: slug -> (what is removed, [shapes]); a shape is
# ("poly", [(x, y), ...]) or ("ellipse", (x0, y0, x1, y1)).  Holes are dilated
# by DILATE px so the object's edge lies fully inside the hole.
DILATE = 5
OBJECT_MASKS = {
    "house_dogs": ("the two dogs looking out of the house (two separate holes)", [
        ("poly", [(230, 245), (265, 236), (310, 240), (335, 258), (350, 290),
                  (357, 340), (354, 400), (340, 420), (300, 394), (270, 388),
                  (250, 402), (244, 438), (218, 438), (211, 405), (204, 350),
                  (204, 300), (209, 262)]),
        ("poly", [(330, 468), (360, 456), (400, 457), (430, 468), (446, 500),
                  (456, 540), (459, 600), (446, 626), (420, 628), (402, 642),
                  (402, 674), (370, 676), (354, 652), (338, 626), (323, 590),
                  (314, 540), (317, 494)]),
    ]),
    "living_room": ("the wine bottle with the glass, and the coffee grinder "
                    "(two separate holes)", [
        ("poly", [(328, 121), (346, 121), (347, 180), (357, 197), (362, 215),
                  (362, 336), (340, 343), (317, 339), (313, 210), (319, 192),
                  (327, 178)]),
        ("poly", [(257, 214), (268, 202), (298, 202), (310, 217), (309, 255),
                  (293, 277), (288, 330), (306, 339), (291, 351), (261, 349),
                  (260, 339), (277, 330), (277, 279), (261, 259), (254, 235)]),
        ("poly", [(499, 230), (525, 224), (560, 221), (585, 204), (603, 208),
                  (599, 223), (576, 238), (566, 260), (579, 267), (579, 334),
                  (499, 334), (497, 265), (511, 257), (509, 240)]),
    ]),
    "astronaut": ("the space-shuttle model in the top-right corner "
                  "(touches the top border)", [
        ("poly", [(394, 0), (432, 0), (441, 40), (446, 110), (453, 150),
                  (457, 200), (466, 250), (471, 276), (446, 286), (359, 286),
                  (356, 265), (364, 255), (351, 215), (359, 190), (374, 175),
                  (377, 120), (384, 80), (393, 40)]),
    ]),
    "rocket": ("the Falcon 9 rocket", [
        ("poly", [(320, 125), (329, 129), (336, 144), (340, 160), (341, 402),
                  (300, 406), (301, 160), (305, 142), (312, 129)]),
    ]),
    "nuthatch_tree": ("the nuthatch on the tree trunk", [
        ("poly", [(415, 198), (431, 213), (451, 244), (476, 279), (496, 318),
                  (511, 333), (526, 344), (552, 369), (525, 366), (505, 373),
                  (470, 379), (440, 376), (424, 361), (414, 330), (409, 290),
                  (409, 250), (411, 214)]),
    ]),
    "ladybird": ("the ladybird on the grass stem", [
        ("poly", [(671, 330), (679, 300), (699, 286), (725, 282), (751, 289),
                  (766, 307), (771, 335), (763, 356), (736, 366), (726, 391),
                  (704, 391), (694, 371), (679, 356)]),
    ]),
    "coffee": ("the spoon on the saucer", [
        ("poly", [(408, 65), (421, 69), (423, 78), (411, 110), (401, 160),
                  (393, 200), (389, 229), (401, 249), (408, 285), (401, 316),
                  (381, 328), (349, 328), (329, 316), (324, 290), (329, 261),
                  (344, 244), (369, 237), (377, 224), (384, 190), (394, 140),
                  (399, 100), (401, 74)]),
    ]),
}

CENTRE_MASKS = {128: 64, 256: 128, 512: 256}


def draw_mask(size: tuple[int, int], shapes, dilate: int = DILATE) -> Image.Image:
    m = Image.new("L", size, 0)
    d = ImageDraw.Draw(m)
    for kind, pts in shapes:
        if kind == "poly":
            d.polygon(pts, fill=255)
        elif kind == "ellipse":
            d.ellipse(pts, fill=255)
        else:
            raise ValueError(kind)
    if dilate:
        # disk-shaped dilation (PIL MaxFilter is square); pure numpy for
        # determinism.
        a = np.asarray(m) > 0
        out = a.copy()
        h, w = a.shape
        for dy in range(-dilate, dilate + 1):
            for dx in range(-dilate, dilate + 1):
                if dx * dx + dy * dy > dilate * dilate:
                    continue
                src = a[max(0, -dy):h - max(0, dy), max(0, -dx):w - max(0, dx)]
                out[max(0, dy):h - max(0, -dy), max(0, dx):w - max(0, -dx)] |= src
        m = Image.fromarray((out * 255).astype(np.uint8), "L")
    return m


def centre_mask(size: int, hole: int) -> Image.Image:
    a = np.zeros((size, size), np.uint8)
    o = (size - hole) // 2
    a[o:o + hole, o:o + hole] = 255
    return Image.fromarray(a, "L")


def n_components(mask: Image.Image) -> int:
    from scipy import ndimage
    return int(ndimage.label(np.asarray(mask) > 0)[1])


# ----------------------------------------------------------------- writers
def save_png(im: Image.Image, path: Path) -> None:
    im.save(path, format="PNG", optimize=False, compress_level=9)


def save_jpeg(im: Image.Image, path: Path) -> None:
    im.save(path, format="JPEG", quality=JPEG_QUALITY, optimize=False,
            progressive=False, subsampling=2)


def md_escape(s: str) -> str:
    return s.replace("|", "\\|")


def md_row(record: dict, keys: list[str]) -> str:
    """One LICENSES.md table row of ``record``'s ``keys`` (file and origin as code)."""
    cells = [f"`{record[k]}`" if k in ("file", "origin") else record[k] for k in keys]
    return "| " + " | ".join(md_escape(x) for x in cells) + " |"


def write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def resize_object(im: Image.Image, max_side: int = OBJECT_MAX_SIDE) -> Image.Image:
    """An RGBA stamp with its long side reduced to ``max_side`` (Lanczos on
    premultiplied alpha, so no colour bleeds in from transparent pixels); one
    that is not longer is returned unchanged.  Metadata is dropped."""
    im = im.convert("RGBA")
    w, h = im.size
    s = max_side / max(w, h)
    if s < 1:
        im = im.convert("RGBa").resize((max(1, round(w * s)), max(1, round(h * s))),
                                       Image.Resampling.LANCZOS).convert("RGBA")
    return Image.fromarray(np.asarray(im), "RGBA")


def build_objects(pkgs) -> list[dict]:
    """Write data/objects/<slug>.png for OBJECTS; return their records."""
    slugs = [e[0] for e in OBJECTS]
    assert len(set(slugs)) == len(slugs), "duplicate object slug"
    out_dir = DATA / "objects"
    out_dir.mkdir(parents=True, exist_ok=True)
    for p in out_dir.glob("*.png"):
        p.unlink()
    records = []
    for slug, what, origin, author, lic, _credit in OBJECTS:
        src = load_source("tuxpaint-stamps-default", origin, pkgs)
        assert src.mode == "RGBA", (origin, src.mode)
        im = resize_object(src)
        alpha = np.asarray(im)[..., 3]
        assert alpha.min() == 0 and alpha.max() == 255, slug  # a cut-out
        path = out_dir / f"{slug}.png"
        save_png(im, path)
        records.append({
            "file": f"objects/{slug}.png", "slug": slug, "shows": what,
            "source": source_version("tuxpaint-stamps-default", pkgs),
            "origin": origin, "author": author, "license": lic,
            "width": im.size[0], "height": im.size[1],
        })
        print(f"wrote {path.relative_to(ROOT)}  {im.size[0]}x{im.size[1]}  {lic}")
    return records


def build_pairs(pkgs) -> list[dict]:
    """Write data/pairs/<slug>.jpg for PAIRS; return their records."""
    slugs = [e[1] for e in PAIRS]
    assert len(set(slugs)) == len(slugs), "duplicate pair slug"
    for pair in {e[0] for e in PAIRS}:
        assert sum(e[0] == pair for e in PAIRS) >= 2, f"pair {pair} has one shot"
    out_dir = DATA / "pairs"
    out_dir.mkdir(parents=True, exist_ok=True)
    for p in out_dir.glob("*.jpg"):
        p.unlink()
    records = []
    for pair, slug, what, kind, source, origin, author, lic in PAIRS:
        im = resize_long_side(load_source(source, origin, pkgs))
        path = out_dir / f"{slug}.jpg"
        save_jpeg(im, path)
        records.append({
            "file": f"pairs/{slug}.jpg", "slug": slug, "shows": what,
            "kind": kind, "source": source_version(source, pkgs),
            "origin": origin, "author": author, "license": lic,
            "split": "train", "width": im.size[0], "height": im.size[1],
            "pair": pair,
        })
        print(f"wrote {path.relative_to(ROOT)}  {im.size[0]}x{im.size[1]}  {lic}  "
              f"pair {pair}")
    return records


def write_records(name: str, records: list[dict]) -> None:
    write_text(DATA / name, json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote data/{name}")


def build_extras() -> None:
    """Rebuild only the objects, the pairs, their records and LICENSES.md (the
    photos, masks and split are read back from data/, not rebuilt)."""
    records = json.loads((DATA / "images.json").read_text(encoding="utf-8"))
    split = json.loads((DATA / "split.json").read_text(encoding="utf-8"))
    needed = ["tuxpaint-stamps-default"] + sorted({e[4] for e in PAIRS} & set(PACKAGES))
    with tempfile.TemporaryDirectory(prefix="nplib_data_") as tmp:
        pkgs = fetch_packages(Path(tmp), needed)
        objects, pairs = build_objects(pkgs), build_pairs(pkgs)
    write_records("objects.json", objects)
    write_records("pairs.json", pairs)
    write_text(DATA / "LICENSES.md", licenses_md(records, split, objects, pairs))
    print("wrote data/LICENSES.md")


def licenses_md(records: list[dict], split: dict, objects: list[dict],
                pairs: list[dict]) -> str:
    """The text of data/LICENSES.md for these photo, object and pair records."""
    lines = [
        "# Photos, objects and pairs in `data/`: sources and licences",
        "",
        "Rebuild everything in `data/` (images, masks, `images.json`, "
        "`split.json`, objects, pairs, `objects.json`, `pairs.json`, this "
        "file) with",
        "",
        "    python scripts/build_data.py",
        "",
        "(`--extras` rebuilds only the objects, the pairs and this file.)",
        "",
        "The photos come from scikit-image and scikit-learn (bundled sample "
        "images) and from Debian packages (fetched with `apt-get download`): "
        "wallpaper packages, the photos of the KDE jigsaw game "
        "(`palapeli-data`) and those of the GCompris education suite "
        "(`gcompris-qt-data`, read from its Qt resource bundles); nothing is "
        "downloaded from the web. Each photo "
        "was modified only by converting to RGB, reducing the long side to at "
        f"most {MAX_SIDE} px (Lanczos) and re-encoding as JPEG (quality "
        f"{JPEG_QUALITY}).",
        "",
        "**Each image stays under its own licence**, listed below; the "
        "project's code licence does not apply to them. In particular the "
        "GPL-2.0-or-later images (from `mate-backgrounds`) and the CC-BY-SA "
        "images remain under those licences (share-alike), and CC-BY / "
        "CC-BY-SA images require attribution to the author named here. "
        "Licences were checked in each function's docstring "
        "(scikit-image), `sklearn/datasets/images/README.txt` (scikit-learn) "
        "and `usr/share/doc/<package>/copyright` (Debian; for `lxqt-themes` "
        "also `usr/share/lxqt/wallpapers/License`, for `palapeli-data` each "
        "puzzle's `.desktop` file, for `gcompris-qt-data` the `README` shipped "
        "beside the photos inside each bundle, for `tuxpaint-stamps-default` "
        "its `changelog.gz`, upstream's `CHANGES.txt`).",
        "",
        "## Photos in `data/images/`",
        "",
        f"Split: {len(split['train'])} train / {len(split['heldout'])} "
        "held-out (fixed list in `scripts/build_data.py`; also in "
        "`split.json`). Machine-readable copy: `images.json`.",
        "",
        "| file | shows | source (version) | original path / function | author "
        "| licence (SPDX) | split |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [md_row(r, ["file", "shows", "source", "origin", "author", "license", "split"])
              for r in records]
    lines += [
        "",
        "## Objects in `data/objects/`",
        "",
        "RGBA PNGs whose alpha is the object's mask, for pasting into a photo: "
        "photographic rubber stamps of the drawing program Tux Paint "
        "(`tuxpaint-stamps-default`). Each was modified only by reducing the "
        f"long side to at most {OBJECT_MAX_SIDE} px where it was longer "
        "(Lanczos on premultiplied alpha) and re-encoding as PNG; the alpha is "
        "the stamp's own. Machine-readable copy: `objects.json`.",
        "",
        "| file | shows | source (version) | original path | author "
        "| licence (SPDX) |",
        "|---|---|---|---|---|---|",
    ]
    lines += [md_row(r, ["file", "shows", "source", "origin", "author", "license"])
              for r in objects]
    lines += [
        "",
        "## Pairs of shots of one place in `data/pairs/`",
        "",
        "Two photographs of the same place, taken from different positions or "
        "at different times, for inpainting one with patches from the other "
        "(`sources=`); processed like the photos above. The `_a` shots are the "
        "same files as the photos of that name in `images/`. Machine-readable "
        "copy: `pairs.json`.",
        "",
        "| file | pair | shows | source (version) | original path | author "
        "| licence (SPDX) |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += [md_row(r, ["file", "pair", "shows", "source", "origin", "author", "license"])
              for r in pairs]
    lines += ["", "Licence texts:", ""]
    for lic in sorted({r["license"] for r in records + objects + pairs}):
        lines.append(f"- {lic}: {LICENSE_URLS[lic]}")
    credits = {e[0]: e[5] for e in OBJECTS}
    lines += [
        "",
        "Notes:",
        "",
        "- `lxqt-themes`: Debian's copyright file gives `Files: *` as "
        "LGPL-2.1+, while the upstream `wallpapers/License` file (shipped in "
        "the package) says the wallpapers are CC-BY-SA-3.0 and credits "
        "stefonarch for these photos; we follow the more specific upstream "
        "file. Both allow redistribution.",
        "- `gcompris-qt-data`: an origin `<bundle>.rcc:/<path>` is a file "
        "inside that Qt resource bundle. Author, licence and Wikimedia Commons "
        "source of each photo are listed in the `README` next to it in the "
        "bundle (e.g. `gcompris/src/activities/explore_monuments/resource/"
        "README`); we follow that per-file record. Debian's copyright file "
        "covers these photos only by stale blanket entries (`Files: *` "
        "GPL-3+; `clickgame/resource/sea*.jpg` and "
        "`explore_farm_animals/resource/animals/*` GPL-3, listed under their "
        "older `.jpg` names); all of these allow redistribution. GCompris "
        "cropped and sharpened the `erase` photos; the monuments README "
        "spells `aulaPalatina.webp` as `audaPalatina.webp`.",
        "- `palapeli-data`: author and licence from each puzzle's `.desktop` "
        "file (`X-KDE-PluginInfo-Author`, `X-KDE-PluginInfo-License`: "
        "Public Domain for the three photos used).",
        "- scikit-learn's README credits \"danielbuechele\" for both images, "
        "but the flower's Flickr URL is that of user \"vultilion\".",
        "- Masks in `data/masks/` are generated by the script (no licence "
        "restrictions beyond the project's own).",
        "- `tuxpaint-stamps-default`: Debian's copyright file says `Files: *`, "
        "`Copyright: 2002-2022 by Bill Kendrick <bill@newbreedsoftware.com>`, "
        "`License: GPL-2`, and the licence text it quotes allows \"version 2 "
        "of the License, or (at your option) any later version\", hence "
        "GPL-2.0-or-later; it names no other author. The per-stamp credits are "
        "in upstream's `CHANGES.txt`, shipped as "
        "`usr/share/doc/tuxpaint-stamps-default/changelog.gz`: "
        + "; ".join(f"`{r['file']}`: {credits[r['slug']]}" for r in objects)
        + ". Other stamps of the package are credited there (and in upstream's "
        "`CONTRIBUTORS.txt`, not shipped) to other authors under other "
        "licences (GFDL, CC-BY-SA 2.5, CC-BY 2.5, ...); none of those is "
        "used.",
        "- `gcompris-qt-data`, `details` bundle (the `_b` pair shots): its "
        "`resource/image/README` gives each background \"Copyright: 2000, "
        "2008 Bruno Coudoin and others\", \"License: CC-BY-SA 4.0\", based "
        "on a Wikimedia Commons photo under CC-BY-SA 3.0 (Chenonceau: "
        "Ra-smit, `File:Chateau_de_Chenonceau_2008.jpg`; Taj Mahal: Dhirad, "
        "`File:Taj_Mahal_in_March_2004.jpg`); attribute both the photographer "
        "and GCompris.",
        "- Not included: scikit-image's `stereo_motorcycle()` pair (Middlebury "
        "2014 stereo data set) is bundled with scikit-image, but its docstring "
        "states no licence for the images (unlike the other sample images), "
        "and neither does the package.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--extras", action="store_true",
                    help="rebuild only data/objects/, data/pairs/, objects.json, "
                         "pairs.json and LICENSES.md (keep the photos and masks)")
    if ap.parse_args(argv).extras:
        build_extras()
        return
    slugs = [e[0] for e in IMAGES]
    assert len(set(slugs)) == len(slugs), "duplicate slug"
    assert set(HELDOUT) <= set(slugs)
    assert set(OBJECT_MASKS) <= set(slugs)
    img_dir, mask_dir = DATA / "images", DATA / "masks"
    img_dir.mkdir(parents=True, exist_ok=True)
    mask_dir.mkdir(parents=True, exist_ok=True)
    # drop stale generated files
    for p in list(img_dir.glob("*.jpg")) + list(mask_dir.glob("*.png")):
        p.unlink()

    records = []
    sizes = {}
    with tempfile.TemporaryDirectory(prefix="nplib_data_") as tmp:
        pkgs = fetch_packages(Path(tmp))
        for slug, what, kind, source, origin, author, lic in IMAGES:
            im = resize_long_side(load_source(source, origin, pkgs))
            path = img_dir / f"{slug}.jpg"
            save_jpeg(im, path)
            sizes[slug] = im.size
            split = "heldout" if slug in HELDOUT else "train"
            records.append({
                "file": f"images/{slug}.jpg", "slug": slug, "shows": what,
                "kind": kind, "source": source_version(source, pkgs),
                "origin": origin, "author": author, "license": lic,
                "split": split, "width": im.size[0], "height": im.size[1],
            })
            print(f"wrote {path.relative_to(ROOT)}  {im.size[0]}x{im.size[1]}  "
                  f"{lic}  {split}")
        objects, pairs = build_objects(pkgs), build_pairs(pkgs)

    # --- masks
    for size, hole in CENTRE_MASKS.items():
        path = mask_dir / f"centre_{size}.png"
        save_png(centre_mask(size, hole), path)
        print(f"wrote {path.relative_to(ROOT)}  {size}x{size}, {hole}x{hole} hole")
    mask_rows = []
    for slug, (what, shapes) in OBJECT_MASKS.items():
        m = draw_mask(sizes[slug], shapes)
        frac = float((np.asarray(m) > 0).mean())
        ncomp = n_components(m)
        a = np.asarray(m) > 0
        border = bool(a[0].any() or a[-1].any() or a[:, 0].any() or a[:, -1].any())
        assert frac < 0.25, (slug, frac)
        path = mask_dir / f"{slug}_object.png"
        save_png(m, path)
        split = "heldout" if slug in HELDOUT else "train"
        mask_rows.append((slug, what, m.size, frac, ncomp, border, split))
        print(f"wrote {path.relative_to(ROOT)}  {m.size[0]}x{m.size[1]}  "
              f"hole {100 * frac:.1f}%  {ncomp} hole(s)"
              f"{'  touches border' if border else ''}")
    assert any(r[5] for r in mask_rows) and any(r[4] >= 2 for r in mask_rows)

    # --- split + machine-readable records
    split = {"train": [s for s in slugs if s not in HELDOUT],
             "heldout": [s for s in slugs if s in HELDOUT]}
    write_text(DATA / "split.json", json.dumps(split, indent=2) + "\n")
    write_text(DATA / "images.json",
               json.dumps(records, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote data/split.json  ({len(split['train'])} train, "
          f"{len(split['heldout'])} heldout)")
    print("wrote data/images.json")
    write_records("objects.json", objects)
    write_records("pairs.json", pairs)

    # --- LICENSES.md
    write_text(DATA / "LICENSES.md", licenses_md(records, split, objects, pairs))
    print("wrote data/LICENSES.md")

    # --- masks README
    ml = [
        "# Masks",
        "",
        "8-bit grayscale PNG, **255 (white) = hole** to be filled, "
        "**0 (black) = known** pixels. Generated by `scripts/build_data.py`.",
        "",
        "## Centre holes (the paper's protocol)",
        "",
        "| file | size | hole |",
        "|---|---|---|",
    ]
    for size, hole in CENTRE_MASKS.items():
        o = (size - hole) // 2
        ml.append(f"| `centre_{size}.png` | {size}x{size} | {hole}x{hole} "
                  f"square, rows/cols {o}..{o + hole - 1} |")
    ml += [
        "",
        "Use with a centre crop of the same size (e.g. resize the short side "
        "of a photo to 128/256/512 and centre-crop).",
        "",
        "## Object removal",
        "",
        "`<slug>_object.png` has exactly the size of `images/<slug>.jpg`. "
        "Shapes are hand-placed polygons (coordinates in the script), "
        f"dilated by {DILATE} px so the object's edge is inside the hole.",
        "",
        "| file | removes | size | hole area | holes | touches border | split |",
        "|---|---|---|---|---|---|---|",
    ]
    for slug, what, size, frac, ncomp, border, sp in mask_rows:
        ml.append(f"| `{slug}_object.png` | {what} | {size[0]}x{size[1]} | "
                  f"{100 * frac:.1f}% | {ncomp} | {'yes' if border else 'no'} "
                  f"| {sp} |")
    ml.append("")
    write_text(mask_dir / "README.md", "\n".join(ml))
    print("wrote data/masks/README.md")
    total = sum(p.stat().st_size for p in DATA.rglob("*") if p.is_file())
    print(f"data/ total: {total / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
