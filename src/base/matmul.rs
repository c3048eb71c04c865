//! One safe door to the `gemm` crate's f32 matrix product, with the strides checked against
//! the slices: the CPU trunk's convolutions (`features::winograd`) and the exact neighbour
//! search (`neighbours`) both multiply strided blocks.

use gemm::{Parallelism, gemm};

/// Where element (row, column) of a matrix lies in its slice: `row · row_stride + column ·
/// column_stride`.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Elements between rows.
    pub row_stride: usize,
    /// Elements between columns.
    pub column_stride: usize,
}

impl Layout {
    /// Rows of `row_stride` elements, columns contiguous.
    pub fn rows(row_stride: usize) -> Self {
        Self {
            row_stride,
            column_stride: 1,
        }
    }

    /// The slice length that holds a `rows × columns` matrix.
    fn span(self, rows: usize, columns: usize) -> usize {
        if rows == 0 || columns == 0 {
            0
        } else {
            (rows - 1) * self.row_stride + (columns - 1) * self.column_stride + 1
        }
    }
}

/// `out = lhs · rhs` for an `m × depth` left and a `depth × n` right matrix, overwriting
/// `out`'s `m × n` elements (rows `out_row_stride` apart), on the calling thread: callers run
/// blocks in parallel themselves.
///
/// # Panics
/// If a matrix does not fit its slice.
pub fn multiply(
    [m, n, depth]: [usize; 3],
    out: &mut [f32],
    out_row_stride: usize,
    lhs: (&[f32], Layout),
    rhs: (&[f32], Layout),
) {
    let out_layout = Layout::rows(out_row_stride);
    assert!(
        out_layout.span(m, n) <= out.len(),
        "product does not fit its slice"
    );
    assert!(
        lhs.1.span(m, depth) <= lhs.0.len(),
        "left matrix does not fit its slice"
    );
    assert!(
        rhs.1.span(depth, n) <= rhs.0.len(),
        "right matrix does not fit its slice"
    );
    if m == 0 || n == 0 {
        return;
    }
    let stride = |s: usize| s as isize;
    // SAFETY: the asserts above bound every element gemm reads or writes inside the three
    // slices; `out` is borrowed mutably, so it overlaps neither input.
    unsafe {
        gemm(
            m,
            n,
            depth,
            out.as_mut_ptr(),
            1,
            stride(out_row_stride),
            false,
            lhs.0.as_ptr(),
            stride(lhs.1.column_stride),
            stride(lhs.1.row_stride),
            rhs.0.as_ptr(),
            stride(rhs.1.column_stride),
            stride(rhs.1.row_stride),
            0.0,
            1.0,
            false,
            false,
            false,
            Parallelism::None,
        );
    }
}
