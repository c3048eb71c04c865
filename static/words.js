// How text becomes search words, on both sides of the index: the same rule as
// src/site/search.rs (`words`, `shard_key`), checked against it by tests/suite/viewer.rs.

// Runs of letters and digits (Unicode Alphabetic, which includes the vowel signs of Indic
// scripts, and Number: Rust's `char::is_alphanumeric`) of two characters or more, each
// lower-cased on its own.
export function words(text) {
  return text
    .split(/[^\p{Alphabetic}\p{N}]+/u)
    .filter((w) => [...w].length >= 2)
    .map((w) => w.toLowerCase());
}

// A search shard's file name: the hex of the UTF-8 bytes of a word's first `n` characters.
export function shardKey(word, n) {
  const start = [...word].slice(0, n).join('');
  return [...new TextEncoder().encode(start)].map((b) => b.toString(16).padStart(2, '0')).join('');
}
