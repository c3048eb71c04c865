//! The timeline: items in year bins, bins left to right in year order, each a band of
//! columns as tall as the map, its items stacked from the bottom up in similarity order
//! (VIKUS Viewer's layout), a column left empty between bands. Items without a year form a
//! last band, "no date".
//!
//! Bins adapt to the data: a year with at least a column of items (the band height) is a
//! bin of its own; the other years are pooled with their neighbours of the same decade, and
//! pools still short of a column with their neighbours of the same century. A dense year
//! splits a pool around it, so bins never overlap and years never decrease along x.

use super::{ArrangeInput, Arranged, Label, fill_band, similarity_order};
use crate::base::grid::{Cell, Grid};

/// A year bin: its items and the years they span.
struct Bin {
    first: i32,
    last: i32,
    items: Vec<usize>,
}

/// The timeline of the items whose years are `years` (None: no usable year).
pub fn by_time(input: &ArrangeInput<'_>, years: &[Option<i32>]) -> Arranged {
    let n = years.len().max(1);
    let height0 = Grid::for_count(n, input.aspect).rows.max(1) as usize;
    let mut bins = year_bins(years, height0);
    let undated: Vec<usize> = (0..years.len()).filter(|&i| years[i].is_none()).collect();
    let labels_of = |bins: &[Bin]| bins.iter().map(bin_label).collect::<Vec<_>>();
    let mut texts = labels_of(&bins);
    if !undated.is_empty() {
        bins.push(Bin {
            first: i32::MAX,
            last: i32::MAX,
            items: undated,
        });
        texts.push("no date".into());
    }
    let sizes: Vec<usize> = bins.iter().map(|b| b.items.len()).collect();
    let height = band_height(&sizes, input.aspect);
    let rank = ranks(&similarity_order(input.map_cells));
    let mut cells = vec![Cell { col: 0, row: 0 }; years.len()];
    let mut labels = Vec::new();
    let mut left = 0;
    for (bin, text) in bins.iter_mut().zip(texts) {
        let width = bin.items.len().div_ceil(height) as u32;
        bin.items.sort_by_key(|&i| rank[i]);
        fill_band(&bin.items, left, width, height as u32 - 1, &mut cells);
        labels.push(Label {
            text,
            bounds: [left, 0, left + width - 1, height as u32 - 1],
            axis: true,
        });
        left += width + 1;
    }
    Arranged {
        grid: Grid {
            cols: left.saturating_sub(1).max(1),
            rows: height as u32,
        },
        cells,
        labels,
    }
}

/// Each item's place in `order`.
fn ranks(order: &[usize]) -> Vec<usize> {
    let mut rank = vec![0; order.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    rank
}

/// "1901", or "1930–1934" for a pool.
fn bin_label(bin: &Bin) -> String {
    if bin.first == bin.last {
        bin.first.to_string()
    } else {
        format!("{}–{}", bin.first, bin.last)
    }
}

/// The year bins of the dated items, in year order, for bands about `height` tall.
fn year_bins(years: &[Option<i32>], height: usize) -> Vec<Bin> {
    let mut by_year: std::collections::BTreeMap<i32, Vec<usize>> = Default::default();
    for (i, year) in years.iter().enumerate() {
        if let Some(y) = year {
            by_year.entry(*y).or_default().push(i);
        }
    }
    let singles: Vec<Bin> = by_year
        .into_iter()
        .map(|(year, items)| Bin {
            first: year,
            last: year,
            items,
        })
        .collect();
    let decades = pool(singles, height, 10);
    pool(decades, height, 100)
}

/// `bins` with neighbours under `height` items pooled while they share a `span`-year period
/// (decade, century); a bin of `height` or more stays as it is and splits pools around it.
fn pool(bins: Vec<Bin>, height: usize, span: i32) -> Vec<Bin> {
    let period = |year: i32| year.div_euclid(span);
    let mut pooled: Vec<(Bin, bool)> = Vec::new();
    for bin in bins {
        let sparse = bin.items.len() < height;
        match pooled.last_mut() {
            Some((last, true)) if sparse && period(last.first) == period(bin.last) => {
                last.last = bin.last;
                last.items.extend(bin.items);
            }
            _ => pooled.push((bin, sparse)),
        }
    }
    pooled.into_iter().map(|(bin, _)| bin).collect()
}

/// The band height (rows) that makes bands of `sizes` items (each `ceil(size / height)`
/// columns, one empty column between) closest to `aspect` (width over height). The width
/// over height falls as the height grows, so the crossing is found by bisection.
fn band_height(sizes: &[usize], aspect: f64) -> usize {
    let ratio = |height: usize| {
        let cols: usize = sizes.iter().map(|s| s.div_ceil(height) + 1).sum::<usize>() - 1;
        cols as f64 / height as f64
    };
    let (mut lo, mut hi) = (1, sizes.iter().copied().max().unwrap_or(1).max(1));
    while lo < hi {
        let mid = (lo + hi) / 2;
        if ratio(mid) > aspect {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    let misfit = |height: usize| (ratio(height) / aspect).ln().abs();
    [lo.saturating_sub(1).max(1), lo]
        .into_iter()
        .min_by(|&a, &b| misfit(a).total_cmp(&misfit(b)))
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(n: usize) -> (Vec<[f32; 2]>, Vec<Cell>) {
        let cols = (n as f64).sqrt().ceil() as u32;
        let cells: Vec<Cell> = (0..n as u32)
            .map(|i| Cell {
                col: i % cols,
                row: i / cols,
            })
            .collect();
        let points = cells.iter().map(|c| [c.col as f32, c.row as f32]).collect();
        (points, cells)
    }

    #[test]
    fn years_never_decrease_along_the_timeline_and_bins_adapt() {
        // 600 items: 1900–1909 dense (40 a year), 1850–1899 sparse (4 a year), 20 undated.
        let mut years: Vec<Option<i32>> = Vec::new();
        for y in 1900..1910 {
            years.extend(std::iter::repeat_n(Some(y), 40));
        }
        for y in 1850..1900 {
            years.extend(std::iter::repeat_n(Some(y), 4));
        }
        years.extend(std::iter::repeat_n(None, 20));
        let (points, map_cells) = input(years.len());
        let input = ArrangeInput {
            points: &points,
            map_cells: &map_cells,
            aspect: 1.5,
        };
        let arranged = by_time(&input, &years);
        assert!(super::super::one_item_per_cell(&arranged));
        let Arranged {
            grid,
            cells,
            labels,
        } = &arranged;
        // Bands run in year order: an item in a band left of another's is no later.
        let band = |i: usize| {
            let col = cells[i].col;
            labels
                .iter()
                .position(|l| l.bounds[0] <= col && col <= l.bounds[2])
                .unwrap()
        };
        for a in 0..years.len() {
            for b in 0..years.len() {
                if let (Some(ya), Some(yb)) = (years[a], years[b]) {
                    assert!(band(a) >= band(b) || ya <= yb, "{ya} left of {yb}");
                }
            }
        }
        let texts: Vec<&str> = labels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(texts.last(), Some(&"no date"));
        assert!(
            texts.contains(&"1905"),
            "a dense year is its own bin: {texts:?}"
        );
        assert!(
            texts.iter().any(|t| t.contains('–')),
            "sparse years are pooled: {texts:?}"
        );
        assert!(!texts.contains(&"1855"), "{texts:?}");
        // Every item sits in its bin's band, stacked from the bottom.
        for label in labels {
            let [c0, _, c1, _] = label.bounds;
            let inside: Vec<usize> = (0..years.len())
                .filter(|&i| cells[i].col >= c0 && cells[i].col <= c1)
                .collect();
            assert!(inside.iter().any(|&i| cells[i].row == grid.rows - 1));
            if let Ok(year) = label.text.parse::<i32>() {
                assert!(inside.iter().all(|&i| years[i] == Some(year)));
            }
        }
        let aspect = grid.cols as f64 / grid.rows as f64;
        assert!((0.75..3.0).contains(&aspect), "{grid:?}");
    }
}
