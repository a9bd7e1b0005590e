"""Writes a deterministic benchmark corpus of varied English-like texts as JSON Lines.

Usage: make_corpus.py OUT.jsonl [COUNT=1200] [SEED=7]
Each text has 8–40 words drawn from a fixed vocabulary of common words, with capitalised sentence
starts, punctuation, numbers and the odd accented or hyphenated word, so tokenization sees realistic
variety (sub-word splits, punctuation, digits). Same seed, same corpus.
"""
import json
import random
import sys

WORDS = """the of and to in is was for on that with as by at from it an be this are or which his
her they have had not but were their has been one all would there we can more when will who if no
so out up about into than them some could time only other new people may then first also after
these two like over any where most such years very through just well before much should because
each those state year world many between while being under still both against system during
government company market price report city data model network cluster request server latency
memory processor thread gateway replica embedding sentence vector search language learning training
inference batch token cache health failure restart rolling membership gossip protocol machine
engineer customer product service river mountain forest ocean weather summer winter village garden
kitchen library museum hospital school teacher student doctor patient music guitar piano painting
camera football election parliament minister economy inflation interest bank loan investor stock
energy battery solar wind carbon climate science physics chemistry biology protein molecule cell
quickly slowly carefully suddenly always never often usually rarely recently finally together
beautiful difficult important different possible available similar particular significant common
running walking reading writing building testing measuring serving routing balancing scheduling
café naïve résumé façade coördinate jalapeño piñata über déjà-vu self-driving state-of-the-art
well-known long-term real-time""".split()
PUNCT = [",", ",", ";", ":", " -", "!", "?"]


def sentence(rng: random.Random) -> str:
    count = rng.randint(8, 40)
    words = []
    for i in range(count):
        roll = rng.random()
        if roll < 0.05:
            word = str(rng.choice([rng.randint(0, 99), rng.randint(100, 99999), round(rng.uniform(0, 100), 2)]))
        elif roll < 0.08:
            word = rng.choice(WORDS).upper()
        else:
            word = rng.choice(WORDS)
        if i == 0:
            word = word[:1].upper() + word[1:]
        words.append(word)
        if i < count - 1 and rng.random() < 0.08:
            words[-1] += rng.choice(PUNCT)
    return " ".join(words) + rng.choice([".", ".", ".", "?", "!"])


def main() -> int:
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 1200
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 7
    rng = random.Random(seed)
    with open(out, "w", encoding="utf-8") as sink:
        for _ in range(count):
            sink.write(json.dumps(sentence(rng), ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
