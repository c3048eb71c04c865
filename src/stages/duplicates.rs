//! Near-duplicates: images whose vectors are nearly identical (a photo re-encoded, resized,
//! cropped a little or colour-shifted), found on the neighbour lists t-SNE was fitted on,
//! so that finding them costs no second search. Two images are near-duplicates when their
//! PCA distance is at most [`THRESHOLD`] times the collection's typical neighbourhood
//! radius (the median over images of the distance to their farthest kept neighbour, the
//! 60th): a scale of the collection's own, whatever the features. Groups are the connected
//! sets of such pairs. The threshold was chosen by `bash bench/duplicates.sh` (generated
//! duplicates of flowers12 photos; precision and recall at several thresholds).

use serde::Serialize;

use crate::base::neighbours::Graph;

/// The share of the typical neighbourhood radius under which two images are near-duplicates.
pub const THRESHOLD: f32 = 0.25;

/// The column of the site's metadata that flags near-duplicates ("yes"): a filter of one
/// value and a line in the item panel.
pub const DUPLICATE_COLUMN: &str = "Near-duplicate";

/// The near-duplicate groups of a build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Duplicates {
    /// Each group's rows (ascending), groups ordered by their first row.
    pub groups: Vec<Vec<usize>>,
}

/// What the build report says of them.
#[derive(Debug, Clone, Serialize)]
pub struct DuplicateSummary {
    /// Groups found.
    pub groups: usize,
    /// Images in them.
    pub items: usize,
}

impl Duplicates {
    /// The report's figures.
    pub fn summary(&self) -> DuplicateSummary {
        DuplicateSummary {
            groups: self.groups.len(),
            items: self.groups.iter().map(Vec::len).sum(),
        }
    }

    /// Per row, its group's index, or `None`.
    pub fn group_of(&self, rows: usize) -> Vec<Option<usize>> {
        let mut of = vec![None; rows];
        for (g, members) in self.groups.iter().enumerate() {
            for &m in members {
                of[m] = Some(g);
            }
        }
        of
    }
}

/// The near-duplicate groups of the rows of `graph`, with [`THRESHOLD`].
pub fn find(graph: &Graph) -> Duplicates {
    find_with(graph, THRESHOLD)
}

/// The near-duplicate groups at `threshold` times the median farthest-neighbour distance.
pub fn find_with(graph: &Graph, threshold: f32) -> Duplicates {
    let n = graph.rows();
    let mut radii: Vec<f32> = (0..n)
        .filter_map(|i| graph.row(i).last().map(|nb| nb.1))
        .collect();
    if radii.is_empty() {
        return Duplicates::default();
    }
    let middle = radii.len() / 2;
    let radius = *radii.select_nth_unstable_by(middle, f32::total_cmp).1;
    let limit = threshold * radius;
    let mut parent: Vec<usize> = (0..n).collect();
    for i in 0..n {
        for (j, d) in graph.row(i) {
            if d <= limit {
                let (a, b) = (root(&mut parent, i), root(&mut parent, j));
                parent[a.max(b)] = a.min(b);
            }
        }
    }
    let mut groups: Vec<Vec<usize>> = vec![Vec::new(); n];
    for i in 0..n {
        let r = root(&mut parent, i);
        groups[r].push(i);
    }
    Duplicates {
        groups: groups.into_iter().filter(|g| g.len() > 1).collect(),
    }
}

/// The root of `i`'s set, halving the path on the way.
fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::neighbours::Neighbour;

    #[test]
    fn close_pairs_group_and_the_rest_do_not() {
        // Rows 0–1 and 2–3–4 are a hair apart; every row's farthest neighbour is at 10.
        let nb = |index, distance| Neighbour { index, distance };
        let rows = vec![
            vec![nb(1, 0.5), nb(5, 10.0)],
            vec![nb(0, 0.5), nb(5, 10.0)],
            vec![nb(3, 1.0), nb(5, 10.0)],
            vec![nb(4, 2.0), nb(5, 10.0)],
            vec![nb(3, 2.0), nb(0, 10.0)],
            vec![nb(2, 4.0), nb(0, 10.0)],
        ];
        let graph = Graph::keep(&rows, 60);
        let found = find_with(&graph, 0.3);
        assert_eq!(found.groups, [vec![0, 1], vec![2, 3, 4]]);
        assert_eq!(found.summary().items, 5);
        assert_eq!(
            found.group_of(6),
            [Some(0), Some(0), Some(1), Some(1), Some(1), None]
        );
        assert!(find_with(&graph, 0.01).groups.is_empty());
    }
}
