//! What every layer shares and that depends on nothing of zoomap's: grid geometry, vectors
//! and their files, the tables users bring, the matrix product and neighbour search of the
//! numeric stages, and how problems, settings and progress are worded.

pub mod digest;
pub mod grid;
pub mod matmul;
pub mod message;
pub mod neighbours;
pub mod pairing;
pub mod progress;
pub mod setting;
pub mod table;
pub mod vectors;
