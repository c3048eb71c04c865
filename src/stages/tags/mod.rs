//! Machine tags (issue 36, in part): the words an image's ImageNet classes bring, from
//! WordNet ([`wordnet`]), and the tags file any tagger can write ([`file`]).

pub mod file;
pub mod wordnet;
