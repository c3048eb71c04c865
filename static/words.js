// How text becomes search words, on both sides of the index: the same rule as
// src/site/search.rs (`words`, `shard_key`), checked against it by tests/suite/viewer.rs.

// Runs of letters and digits (Unicode Alphabetic, which includes the vowel signs of Indic
// scripts, and Number: Rust's `char::is_alphanumeric`) of two characters or more, each
// lower-cased on its own.
export function words(text) {
  return fold(text)
    .split(/[^\p{Alphabetic}\p{N}]+/u)
    .filter((w) => [...w].length >= 2)
    .map((w) => w.toLowerCase());
}

// The identifiers of `text`, whole and folded to lower case ("herb.01950"): runs of letters,
// digits, `.`, `_` and `-` with one of those three inside: src/site/search.rs `identifiers`.
export function identifiers(text) {
  return fold(text)
    .split(/[^\p{Alphabetic}\p{N}._-]+/u)
    .map((run) => run.replace(/^[._-]+|[._-]+$/g, ''))
    .filter((run) => /[._-]/.test(run))
    .map((run) => run.toLowerCase());
}

// A search shard's file name: the hex of the UTF-8 bytes of a word's first `n` characters.
export function shardKey(word, n) {
  const start = [...word].slice(0, n).join('');
  return [...new TextEncoder().encode(start)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

// `text` as search compares it: compatibility forms decomposed (NFKD), the marks on Latin,
// Greek and Cyrillic letters dropped ("Öberg" → "Oberg"), the rest composed again (NFC), so
// that Indic vowel signs and Hangul syllables stay whole: src/site/search.rs `fold`.
export function fold(text) {
  let out = '';
  let afterEuropean = false;
  for (const c of text.normalize('NFKD')) {
    if (/\p{M}/u.test(c)) {
      if (afterEuropean) continue;
    } else {
      const code = c.codePointAt(0);
      afterEuropean = code <= 0x052f || (code >= 0x1e00 && code <= 0x1fff);
    }
    out += c;
  }
  return out.normalize('NFC');
}
