#!/usr/bin/env python3
"""Writes two fixtures made with Hugging Face `tokenizers` (the Rust "fast" tokenizer that
sentence-transformers uses) and all-MiniLM-L6-v2's tokenizer.json, truncated to 256 tokens and
not padded:

- Tests/ModelTests/Fixtures/tokenizer-extra.json: tricky texts and their token ids;
- Tests/ModelTests/Fixtures/tokenizer-scalars.json: for every block of 256 scalars in planes 0-2
  and the tags block, a hash of the ids of "x<scalar>y" for each scalar of the block (no
  specials). It pins down, scalar by scalar, which characters are dropped, split off, decomposed,
  stripped or lowercased, including the Unicode 8.0 categories `tokenizers` was built with.

`tokenizers` is a test-time reference only, never a project dependency. Run it from a throwaway
virtual environment:

    python3 -m venv /tmp/tokvenv && /tmp/tokvenv/bin/pip install tokenizers
    /tmp/tokvenv/bin/python Tests/Scripts/make_tokenizer_fixture.py

Options: --model-dir (default .models/all-MiniLM-L6-v2), --output and --scalars-output (default
the fixture paths), all relative to the repository root.
"""

import argparse
import json
import pathlib
import struct

from tokenizers import Tokenizer, __version__ as tokenizers_version

ROOT = pathlib.Path(__file__).resolve().parents[2]
MAX_LENGTH = 256
BLOCK_SIZE = 256
FNV_OFFSET = 0xCBF2_9CE4_8422_2325
FNV_PRIME = 0x100_0000_01B3

TEXTS = [
    # Accents, case, and full lowercase mappings.
    "Café crème brûlée à la carte",
    "Über naïve façade, Ångström, ØRESUND, Straße",
    "Tiếng Việt có dấu: Hà Nội, Đà Nẵng, người Việt",
    "İstanbul'da ışık; DİKKAT",
    "ΣΑΣ σας Σοφία ΟΔΥΣΣΕΥΣ",
    "Ǆemal ǅ ǆ ﬁne ﬂow Ⅻ ℃ K Å",
    "e\u0301 vs \u00e9, a\u0308\u0304, combining ring: A\u030a",
    "Zalgo: ẑ̴̡̛̗a̷͎̓l̶̰͑g̸̣͘o̵̧̓",
    # CJK, Japanese, Korean.
    "北京欢迎你，今天天气很好。",
    "東京スカイツリーは高さ634メートルです。がぎぐげご パピプペポ",
    "한국어 텍스트입니다. 안녕하세요!",
    "混合mixed文本text123中文",
    "𠀀𠀁 𪜀 𫝀 𫠠 𬺰 豈 丽 and ㄅㄆㄇ",
    "「引用」『二重』【括弧】〈山〉《书名》",
    # Other scripts.
    "مرحبا بالعالم! كيف حالك؟",
    "नमस्ते दुनिया। हिन्दी पाठ",
    "สวัสดีครับ ภาษาไทย",
    "Привет, МИР! Ёлка",
    "שלום עולם",
    "Γειά σου Κόσμε · ά έ ή",
    "ქართული ენა Հայերեն",
    # Emoji.
    "I love 🍕 and 🎉!",
    "Thumbs 👍🏽 👍🏿 up",
    "Family 👨‍👩‍👧‍👦 and 🏳️‍🌈 flags 🇺🇸🇯🇵",
    "newer emoji 🥰 🫠 🫨 in text",
    "keycap 1️⃣ #️⃣ and ❤️ vs ❤",
    # Symbols and punctuation.
    "Math: ∀x∈ℝ, x² ≥ 0 ⇒ √(x²) = |x|; ∑ᵢ aᵢ ≠ ∞ ± 1 ≤ 2",
    "ASCII symbols $+<=>^`|~ and @#%&*_\\ {}[]()",
    "¿Qué? ¡Hola! — dash – en dash … ellipsis «guillemets» ‹single›",
    "“smart quotes” ‘single’ „low“ ‚low‘",
    "Prices: €5, £3, ¥100, ₹20, ¢50, ₿1",
    "degrees 30°C, 100‰, © 2024 ® ™ § ¶ †",
    # Controls, whitespace, invisible characters.
    "tab\there\nnewline\r\ncrlf\x0bvt\x0cff",
    "nul\x00byte and bell\x07 and del\x7f and esc\x1b[0m",
    "zero\u200bwidth\u200cnon\u200djoiner\u2060word\ufeffbom",
    "soft\u00adhyphen and bidi \u202ereversed\u202c and \u200eLRM",
    "nbsp\u00a0here\u2003em\u3000ideographic\u2028line\u2029para\u0085nel",
    "replacement \ufffd char and private \ue000\U000f0000 use",
    "variation\ufe0f selector and \U000e0001 tag",
    "   leading and trailing   ",
    "\t\n \r\n",
    "",
    # Special tokens in the text are matched verbatim.
    "[CLS] already [SEP] here [MASK] and [UNK] [PAD]",
    "lowercase [mask] and [ CLS ] are not special, but a[SEP]b is",
    # Long words, URLs, code.
    "supercalifragilisticexpialidocious antidisestablishmentarianism",
    "pneumonoultramicroscopicsilicovolcanoconiosis" * 2,
    "a" * 100 + " " + "b" * 101,
    "x" * 99 + "é" + " " + "ä" * 100,
    "Visit https://example.com/path?query=1&x=y#frag or mailto:user@example.org",
    "def foo(x: int) -> List[int]:\n    return [i**2 for i in range(x)]  # squares",
    "if (a && b || !c) { arr[i] += 0x1F; } else { p->next = NULL; }",
    "SELECT * FROM users WHERE id = 42 AND name LIKE '%bob%';",
    '{"key": "value", "list": [1, 2.5, -3e10], "nested": {"ok": true}}',
    "snake_case camelCase PascalCase kebab-case SCREAMING_CASE",
    "v1.2.3-beta+build.45 at 10:30am on 2024-01-15",
    "don't won't it's we'll y'all rock'n'roll",
    "U.S.A. e.g. i.e. etc... Mr. Smith",
    "hashtags #MachineLearning @mention $TICKER 100%",
    # Scripts newer than the Unicode 8.0 category tables.
    "Adlam 𞤀𞤣𞤤𞤢𞤥 and Osage 𐒰𐓘 and Newa 𑐀𑐁",
    "new punctuation ⹂ ⹃ ⹄ and ᳲ",
    # Mixed and adversarial.
    "ＦＵＬＬＷＩＤＴＨ ｔｅｘｔ １２３ ＡＢＣ",
    "Ⓒⓘⓡⓒⓛⓔⓓ 𝐁𝐨𝐥𝐝 𝕯𝖔𝖚𝖇𝖑𝖊",
    "The quick brown fox jumps over the lazy dog. " * 40,
    "naïve " * 300,
    "word" + "\u0301" * 150,
    "unaffable unbelievable hyperparameterization",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model-dir", default=".models/all-MiniLM-L6-v2")
    parser.add_argument("--output", default="Tests/ModelTests/Fixtures/tokenizer-extra.json")
    parser.add_argument("--scalars-output", default="Tests/ModelTests/Fixtures/tokenizer-scalars.json")
    args = parser.parse_args()

    tokenizer = Tokenizer.from_file(str(ROOT / args.model_dir / "tokenizer.json"))
    tokenizer.no_padding()
    tokenizer.enable_truncation(max_length=MAX_LENGTH)

    rows = []
    for text in TEXTS:
        encoding = tokenizer.encode(text)
        rows.append({"text": text, "input_ids": encoding.ids, "tokens": encoding.tokens})

    fixture = {
        "generator": "Tests/Scripts/make_tokenizer_fixture.py",
        "tokenizers_version": tokenizers_version,
        "max_length": MAX_LENGTH,
        "rows": rows,
    }
    output = ROOT / args.output
    output.write_text(json.dumps(fixture, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    truncated = sum(1 for row in rows if len(row["input_ids"]) == MAX_LENGTH)
    print(f"wrote {len(rows)} rows ({truncated} truncated) to {output}")

    blocks = [
        {"start": start, "hash": f"{block_hash(tokenizer, start):016x}"}
        for start in list(range(0, 0x30000, BLOCK_SIZE)) + [0xE0000, 0xE0100]
    ]
    scalars = {
        "generator": "Tests/Scripts/make_tokenizer_fixture.py",
        "tokenizers_version": tokenizers_version,
        "block_size": BLOCK_SIZE,
        "hash": "FNV-1a 64 over each scalar's ids as little-endian int32, each list followed by -1",
        "blocks": blocks,
    }
    scalars_output = ROOT / args.scalars_output
    text = json.dumps(scalars, indent=1)
    for block in blocks:  # one block per line
        text = text.replace(json.dumps(block, indent=1).replace("\n", "\n  "), json.dumps(block))
    scalars_output.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {len(blocks)} blocks of {BLOCK_SIZE} scalars to {scalars_output}")


def block_hash(tokenizer: Tokenizer, start: int) -> int:
    """FNV-1a 64 of the ids of "x<c>y" for each scalar c in [start, start + BLOCK_SIZE)."""
    scalars = [c for c in range(start, start + BLOCK_SIZE) if not 0xD800 <= c <= 0xDFFF]
    encodings = tokenizer.encode_batch(["x" + chr(c) + "y" for c in scalars], add_special_tokens=False)
    value = FNV_OFFSET
    for encoding in encodings:
        for token_id in encoding.ids + [-1]:
            for byte in struct.pack("<i", token_id):
                value = ((value ^ byte) * FNV_PRIME) & 0xFFFF_FFFF_FFFF_FFFF
    return value


if __name__ == "__main__":
    main()
